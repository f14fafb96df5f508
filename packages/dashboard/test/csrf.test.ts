import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { basic, enqueue, killAll, login, type Served, serve } from './helpers.js';

let served: Served;
beforeAll(async () => {
  served = await serve({ basePath: '/admin' });
});
afterAll(() => served.close());

async function deadJob(): Promise<string> {
  const id = await enqueue(served.transport);
  await killAll(served.transport);
  return id;
}

describe('session cookie', () => {
  test('is set once, HttpOnly, SameSite=Strict, scoped to the base path', async () => {
    const first = await fetch(`${served.url}/`, { headers: { authorization: basic() } });
    const cookie = first.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(
      /^conveyor_session=[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}; Path=\/admin; HttpOnly; SameSite=Strict$/,
    );
    const again = await fetch(`${served.url}/`, {
      headers: { authorization: basic(), cookie: cookie.split(';')[0] as string },
    });
    expect(again.headers.get('set-cookie')).toBeNull();
    const html = await again.text();
    const token = /<meta name="conveyor-csrf" content="([^"]+)">/.exec(html)?.[1];
    const session = await (
      await fetch(`${served.url}/api/session`, {
        headers: { authorization: basic(), cookie: cookie.split(';')[0] as string },
      })
    ).json();
    expect(token).toBe(session.csrf);
  });
});

describe('a session id the server did not issue (cookie tossing)', () => {
  const tossed = ['AAAAAAAAAAAAAAAAAAAAAA', 'AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA', 'x'];

  test.each(tossed)(
    '%j is replaced with a new session, whose token its setter cannot know',
    async (value) => {
      const planted = `conveyor_session=${value}`;
      const response = await fetch(`${served.url}/api/session`, {
        headers: { authorization: basic(), cookie: planted },
      });
      expect(response.status).toBe(200);
      const issued = (response.headers.get('set-cookie') ?? '').split(';')[0] as string;
      expect(issued).toMatch(/^conveyor_session=/);
      expect(issued).not.toBe(planted);
      const { csrf } = (await response.json()) as { csrf: string };

      // The token handed out is not valid with the planted cookie: a POST with both is refused.
      const id = await deadJob();
      const withPlanted = await fetch(`${served.url}/api/jobs/${encodeURIComponent(id)}/retry`, {
        method: 'POST',
        headers: {
          authorization: basic(),
          cookie: planted,
          origin: served.origin,
          'x-conveyor-csrf': csrf,
        },
      });
      expect(withPlanted.status).toBe(403);
      expect((await served.transport.getJob(id))?.state).toBe('dead');
      // With the cookie the server issued, the same token works, and no new cookie is set.
      const withIssued = await fetch(`${served.url}/api/jobs/${encodeURIComponent(id)}/retry`, {
        method: 'POST',
        headers: {
          authorization: basic(),
          cookie: issued,
          origin: served.origin,
          'x-conveyor-csrf': csrf,
        },
      });
      expect(withIssued.status).toBe(200);
      expect(withIssued.headers.get('set-cookie')).toBeNull();
    },
  );

  test('a planted cookie sent before the issued one (a longer path) does not push the session out', async () => {
    const client = await login(served);
    const response = await fetch(`${served.url}/api/session`, {
      headers: {
        authorization: basic(),
        cookie: `conveyor_session=AAAAAAAAAAAAAAAAAAAAAA; ${client.cookie}`,
      },
    });
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(((await response.json()) as { csrf: string }).csrf).toBe(client.csrf);
  });

  test("another secret's session is not taken; the same secret's is (several processes)", async () => {
    const secret = 'a shared secret of 32 characters';
    const one = await serve({ basePath: '/admin', secret });
    const two = await serve({ basePath: '/admin', secret });
    const other = await serve({ basePath: '/admin' });
    try {
      const client = await login(one);
      const onTwo = await fetch(`${two.url}/api/session`, {
        headers: { authorization: basic(), cookie: client.cookie },
      });
      expect(onTwo.headers.get('set-cookie')).toBeNull();
      expect(((await onTwo.json()) as { csrf: string }).csrf).toBe(client.csrf);
      const onOther = await fetch(`${other.url}/api/session`, {
        headers: { authorization: basic(), cookie: client.cookie },
      });
      expect(onOther.headers.get('set-cookie')).toMatch(/^conveyor_session=/);
      expect(((await onOther.json()) as { csrf: string }).csrf).not.toBe(client.csrf);
    } finally {
      await Promise.all([one.close(), two.close(), other.close()]);
    }
  });
});

describe('a mutation is refused with 403 CSRF', () => {
  test('without the token', async () => {
    const id = await deadJob();
    const client = await login(served);
    const response = await client.post(`/api/jobs/${encodeURIComponent(id)}/retry`, undefined, {
      'x-conveyor-csrf': '',
    });
    expect(response.status).toBe(403);
    expect((await response.json()).error.code).toBe('CSRF');
    expect((await served.transport.getJob(id))?.state).toBe('dead');
  });

  test('with a wrong token, or the token of another session', async () => {
    const id = await deadJob();
    const client = await login(served);
    const other = await login(served);
    // One character changed (to another one: a token ending in "A" must not stay the same).
    const altered = `${client.csrf.slice(0, -1)}${client.csrf.endsWith('A') ? 'B' : 'A'}`;
    for (const token of [altered, other.csrf, 'x'.repeat(43)]) {
      const response = await client.post(`/api/jobs/${encodeURIComponent(id)}/retry`, undefined, {
        'x-conveyor-csrf': token,
      });
      expect(response.status).toBe(403);
      expect((await response.json()).error.code).toBe('CSRF');
    }
    // A token with no session cookie.
    const cookieless = await fetch(`${served.url}/api/jobs/${encodeURIComponent(id)}/retry`, {
      method: 'POST',
      headers: { authorization: basic(), origin: served.origin, 'x-conveyor-csrf': client.csrf },
    });
    expect(cookieless.status).toBe(403);
    expect((await served.transport.getJob(id))?.state).toBe('dead');
  });

  test('from a foreign Origin, or with none', async () => {
    const id = await deadJob();
    const client = await login(served);
    for (const origin of [
      'https://evil.example',
      served.origin.replace('127.0.0.1', 'localhost'),
      'null',
    ]) {
      const response = await client.post(`/api/jobs/${encodeURIComponent(id)}/retry`, undefined, {
        origin,
      });
      expect(response.status, origin).toBe(403);
      const body = await response.json();
      expect(body.error.code).toBe('CSRF');
      expect(body.error.message).toContain(JSON.stringify(origin));
    }
    const noOrigin = await fetch(`${served.url}/api/jobs/${encodeURIComponent(id)}/retry`, {
      method: 'POST',
      headers: { authorization: basic(), cookie: client.cookie, 'x-conveyor-csrf': client.csrf },
    });
    expect(noOrigin.status).toBe(403);
    expect((await served.transport.getJob(id))?.state).toBe('dead');
  });

  test('while the same request with token and Origin goes through', async () => {
    const id = await deadJob();
    const client = await login(served);
    const response = await client.post(`/api/jobs/${encodeURIComponent(id)}/retry`);
    expect(response.status).toBe(200);
    expect((await served.transport.getJob(id))?.state).toBe('waiting');
  });
});

test('a CSRF secret shared by two dashboards makes their tokens interchangeable', async () => {
  const secret = 'a shared secret of enough length';
  const one = await serve({ secret });
  const two = await serve({ secret, transport: one.transport });
  try {
    const id = await enqueue(one.transport);
    await killAll(one.transport);
    const client = await login(one);
    const response = await fetch(`${two.url}/api/jobs/${encodeURIComponent(id)}/retry`, {
      method: 'POST',
      headers: {
        authorization: basic(),
        cookie: client.cookie,
        origin: two.origin,
        'x-conveyor-csrf': client.csrf,
      },
    });
    expect(response.status).toBe(200);
  } finally {
    await two.close();
    await one.close();
  }
});
