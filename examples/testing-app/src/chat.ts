// An LLM-style answer streamed over POST, token by token, with sse-kit.
import { createEventStream } from 'sse-kit';

/** The events of the chat endpoint. */
export type ChatEvents = { token: { text: string }; done: { reason: string } };

/** Asks `/api/chat`; `onText` gets the answer so far after every token. Resolves with the whole answer. */
export async function ask(prompt: string, onText: (text: string) => void = () => {}): Promise<string> {
  const stream = createEventStream<ChatEvents>('/api/chat', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt }),
    // Never re-send a prompt behind the user's back: a failure is the caller's to show.
    retry: { shouldRetry: () => false },
  });
  let answer = '';
  for await (const event of stream) {
    if (event.type === 'done') break;
    answer += event.data.text;
    onText(answer);
  }
  return answer;
}
