// Type tests of sse-kit/share: checked by `tsc --noEmit`, never executed.
import { createEventStream, type StreamRole, type TabSharing } from 'sse-kit';
import { type ShareOptions, shareAcrossTabs } from 'sse-kit/share';
import { expectTypeOf } from 'vitest';

export function shareTypes() {
  expectTypeOf(shareAcrossTabs()).toEqualTypeOf<TabSharing>();
  const stream = createEventStream('/events', {
    share: shareAcrossTabs({ key: 'user-1', pingInterval: 500, takeoverAfter: 2000 }),
    onRoleChange: (role) => expectTypeOf(role).toEqualTypeOf<StreamRole>(),
  });
  expectTypeOf(stream.role).toEqualTypeOf<'leader' | 'follower' | 'solo'>();
  expectTypeOf<ShareOptions['key']>().toEqualTypeOf<string | undefined>();
  // @ts-expect-error the key is a string
  shareAcrossTabs({ key: 42 });
  // @ts-expect-error `share: true` is not the API: pass shareAcrossTabs() (an app that does not share pays nothing)
  createEventStream('/events', { share: true });
}
