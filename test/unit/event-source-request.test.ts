// The EventSource class's input checks as plain functions: which ids may travel as Last-Event-ID,
// what a URL looks like in an error message, which URLs the constructor accepts.
import { describe, expect, it } from 'vitest';
import { eventSourceURL, headerSafeId, redactURL } from '../../src/event-source-request.js';

describe('headerSafeId', () => {
  it('keeps ASCII and non-ASCII ids up to 1024 UTF-8 bytes, as the header value (UTF-8 bytes, one char each)', () => {
    const wire = (id: string) => String.fromCharCode(...new TextEncoder().encode(id));
    for (const id of ['42', 'a b', '0b1f-uuid', 'é€😀', 'x'.repeat(1024), '€'.repeat(341), `${'é'.repeat(511)}ab`]) {
      expect(headerSafeId(id)).toBe(wire(id));
    }
  });

  it('drops ids with a C0 control character or DEL, and ids over 1024 UTF-8 bytes', () => {
    for (const id of ['a\x00b', 'a\x01', '\tx', 'x\x1f', 'a\x7f', 'x'.repeat(1025), '€'.repeat(342), '😀'.repeat(257)]) {
      expect(headerSafeId(id)).toBe('');
    }
  });
});

describe('redactURL', () => {
  it('hides query values, the fragment and a password, and keeps the rest', () => {
    expect(redactURL('https://u:pw@api.test/sse?token=abc&room=1#access_token=xyz')).toBe('https://u:***@api.test/sse?token=***&room=***#***');
    expect(redactURL('https://api.test/sse')).toBe('https://api.test/sse');
    expect(redactURL('not a url ?key=secret')).toBe('not a url ?key=***');
  });
});

describe('eventSourceURL', () => {
  it('returns the serialized absolute URL for http and https', () => {
    expect(eventSourceURL('HTTPS://Example.com/a b')).toBe('https://example.com/a%20b');
    expect(eventSourceURL(new URL('http://127.0.0.1:8080/x?y=1'))).toBe('http://127.0.0.1:8080/x?y=1');
  });

  it('throws a SyntaxError DOMException naming the redacted URL for other schemes', () => {
    expect(() => eventSourceURL('blob:https://example.com/uuid')).toThrow(/http: or https:/);
    expect(() => eventSourceURL('wss://example.com/?key=secret')).toThrow(/key=\*\*\*/);
  });
});
