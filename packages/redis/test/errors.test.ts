import { ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import {
  classify,
  isClusterNodeDown,
  namingQueue,
  RedisTransportError,
  toTransportError,
} from '../src/errors.js';

/** The error ioredis' Cluster rejects a command with after 16 redirections (cluster/index.js). */
const redirections = (reply: string) =>
  new Error(`Too many Cluster redirections. Last error: ${new ReplyError(reply)}`);

describe('classify', () => {
  it('classifies a command ioredis gave up on after cluster redirections as CLUSTER', () => {
    // The messages a failover and a resharding produced, whole.
    expect(classify(redirections('CLUSTERDOWN The cluster is down'))).toBe('CLUSTER');
    expect(classify(redirections('MOVED 11958 127.0.0.1:27754'))).toBe('CLUSTER');
    expect(classify(redirections('TRYAGAIN Multiple keys request during rehashing of slot'))).toBe(
      'CLUSTER',
    );
    const wrapped = toTransportError('reserve', redirections('CLUSTERDOWN Hash slot not served'));
    expect(wrapped).toBeInstanceOf(RedisTransportError);
    expect((wrapped as RedisTransportError).failure).toBe('CLUSTER');
    expect(wrapped.message).toContain('The Cluster says it is down (CLUSTERDOWN)');
  });

  it('classifies an EXECABORT by the errors that refused its queued commands', () => {
    // A MULTI sent while the Cluster was down was logged as an unexpected UNKNOWN failure.
    const aborted = (...previous: Error[]) =>
      Object.assign(new ReplyError('EXECABORT Transaction discarded because of previous errors.'), {
        previousErrors: previous,
      });
    expect(classify(aborted(new ReplyError('CLUSTERDOWN The cluster is down')))).toBe('CLUSTER');
    expect(
      classify(aborted(new ReplyError("READONLY You can't write against a read only replica."))),
    ).toBe('READONLY');
    expect(classify(aborted())).toBe('UNKNOWN');
    expect(
      classify(new ReplyError('EXECABORT Transaction discarded because of previous errors.')),
    ).toBe('UNKNOWN');
  });

  it("names a queue script's queue and slot in a Cluster failure, and nothing else", () => {
    const down = toTransportError('dead-page', redirections('CLUSTERDOWN The cluster is down'));
    expect(namingQueue(down, 'work~1of4', 6141)).toMatchObject({
      message: expect.stringMatching(
        /^\[conveyor\] \[redis\] dead-page of queue "work~1of4" \(hash slot 6141\) failed \(CLUSTER\): /,
      ),
      operation: 'dead-page',
    });
    const script = toTransportError('reserve', new Error('ERR Error running script: boom'));
    expect((namingQueue(script, 'q', 1) as Error).message).toMatch(
      /^\[conveyor\] \[redis\] reserve failed/,
    );
    const plain = new Error('x');
    expect(namingQueue(plain, 'q', 1)).toBe(plain);
  });

  it('names the node of a master that is down and says to start it, not to retry shortly', () => {
    // A master killed: ioredis kept following MOVED to it until it gave up.
    const movedLoop = toTransportError('queue-counts', redirections('MOVED 11472 127.0.0.1:27202'));
    expect(movedLoop.message).toBe(
      '[conveyor] [redis] queue-counts failed (CLUSTER): Too many Cluster redirections. Last error: ReplyError: MOVED 11472 127.0.0.1:27202. The Cluster kept sending slot 11472 to 127.0.0.1:27202, which does not answer: a master is down. Start it again, or promote one of its replicas (CLUSTER FAILOVER on the replica); the queues and partitions in its slots answer again then.',
    );
    const closed = toTransportError(
      'list-workers',
      new Error('Too many Cluster redirections. Last error: Error: Connection is closed.'),
    );
    expect(closed.message).toMatch(/A node of the Cluster went away while the command ran/);
    const down = toTransportError('reserve', redirections('CLUSTERDOWN The cluster is down'));
    expect(down.message).toMatch(/The Cluster says it is down \(CLUSTERDOWN\)/);
    for (const error of [movedLoop, closed, down]) expect(isClusterNodeDown(error)).toBe(true);
    // A resharding is retried shortly; it is no node down.
    const resharding = toTransportError(
      'reserve',
      redirections('TRYAGAIN Multiple keys request during rehashing of slot'),
    );
    expect(resharding.message).toMatch(/resharding or failing over: retry shortly\.$/);
    expect(isClusterNodeDown(resharding)).toBe(false);
    expect(isClusterNodeDown(new Error('MOVED 1 127.0.0.1:1'))).toBe(false);
  });

  it('says which failures may pass by themselves, for callers that send the call again', () => {
    expect(
      (toTransportError('settle', redirections('CLUSTERDOWN down')) as RedisTransportError).passing,
    ).toBe(true);
    expect(
      (toTransportError('settle', new Error('Connection is closed.')) as RedisTransportError)
        .passing,
    ).toBe(true);
    expect(
      (toTransportError('settle', new Error('READONLY replica')) as RedisTransportError).passing,
    ).toBe(true);
    const script = toTransportError('settle', new Error('ERR Error running script (call to f_1)'));
    expect((script as RedisTransportError).failure).toBe('SCRIPT');
    expect((script as RedisTransportError).passing).toBe(false);
  });

  it('classifies cluster replies and refresh failures as CLUSTER', () => {
    expect(classify(new ReplyError('CLUSTERDOWN The cluster is down'))).toBe('CLUSTER');
    expect(classify(new ReplyError('MOVED 3999 127.0.0.1:6381'))).toBe('CLUSTER');
    expect(classify(new ReplyError("CROSSSLOT Keys in request don't hash to the same slot"))).toBe(
      'CLUSTER',
    );
    const refresh = Object.assign(new Error('Failed to refresh slots cache.'), {
      lastNodeError: new Error('connect ECONNREFUSED 127.0.0.1:7000'),
    });
    Object.defineProperty(refresh, 'name', { value: 'ClusterAllFailedError' });
    expect(classify(refresh)).toBe('CLUSTER');
  });

  it('keeps the other failures apart', () => {
    expect(classify(new Error('None of startup nodes is available'))).toBe('CONNECTION');
    expect(classify(new Error('Connection is closed.'))).toBe('CONNECTION');
    expect(classify(new ReplyError('OOM command not allowed when used memory'))).toBe('OOM');
    expect(
      classify(new ReplyError('READONLY You can not write against a read only replica.')),
    ).toBe('READONLY');
    // A message that only mentions a cluster word further on is not a cluster failure.
    expect(classify(new ReplyError('ERR unknown command MOVED'))).toBe('UNKNOWN');
  });

  it('reads as sentences: a cause ending in a period gets no second one', () => {
    const error = new RedisTransportError(
      'CONNECTION',
      'list-queues',
      new Error('Connection is closed.'),
    );
    expect(error.message).toMatch(
      /^\[conveyor\] \[redis\] list-queues failed \(CONNECTION\): Connection is closed\. Redis could not be reached/,
    );
  });
});

describe('MOVED on a plain connection', () => {
  it('says to use a Cluster client rather than to retry', () => {
    // A Cluster client follows MOVED itself: one that reaches the caller came through a
    // plain connection (url, redis) to a cluster node.
    const error = toTransportError('enqueue', new ReplyError('MOVED 13621 127.0.0.1:17103'));
    expect((error as RedisTransportError).failure).toBe('CLUSTER');
    expect(error.message).toContain('MOVED 13621 127.0.0.1:17103. That key lives on another node');
    expect(error.message).toContain('redisTransport({ client: new Cluster([{ host, port }]) })');
    expect(error.message).not.toContain('retry shortly');
  });

  it('tells an enqueue whose reply was lost that it may be stored, and how to retry it once', () => {
    const lost = toTransportError('enqueue-one', new Error('Connection is closed.'));
    expect(lost.message).toContain('may have been stored before its reply was lost');
    expect(lost.message).toContain('same idempotencyKey');
    const failover = toTransportError('enqueue', redirections('CLUSTERDOWN The cluster is down'));
    expect(failover.message).toContain('same idempotencyKey');
    // A refused enqueue stored nothing; a read has nothing to store twice.
    const moved = toTransportError('enqueue', new ReplyError('MOVED 1 127.0.0.1:1'));
    expect(moved.message).not.toContain('idempotencyKey');
    expect(toTransportError('ping', new Error('Connection is closed.')).message).not.toContain(
      'idempotencyKey',
    );
  });
});
