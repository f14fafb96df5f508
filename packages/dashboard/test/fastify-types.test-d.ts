import Fastify from 'fastify';
import { expectTypeOf, test } from 'vitest';
import { type FastifyLike, registerFastify } from '../src/index.js';

test('a fastify 5 instance is what registerFastify takes', () => {
  const app = Fastify();
  const like: FastifyLike = app;
  expectTypeOf(like).toEqualTypeOf<FastifyLike>();
  expectTypeOf(registerFastify).toBeCallableWith(
    app,
    Object.assign(async () => new Response(), {
      basePath: '',
      readOnly: false,
      openStreams: 0,
      close: async () => {},
    }),
  );
});
