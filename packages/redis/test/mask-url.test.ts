import { describe, expect, it } from 'vitest';
import { maskRedisUrl } from '../src/index.js';

describe('maskRedisUrl', () => {
  it('hides the password of the user part and keeps everything else', () => {
    expect(maskRedisUrl('redis://user:pw@host:6379/2')).toBe('redis://user:****@host:6379/2');
    expect(maskRedisUrl('rediss://:p%40ss@host')).toBe('rediss://:****@host');
    expect(maskRedisUrl('redis://host:6379')).toBe('redis://host:6379');
    expect(maskRedisUrl('redis://user:pw@ho st')).toBe('redis://user:****@ho st');
  });

  it('hides every query parameter ioredis reads a password from', () => {
    expect(maskRedisUrl('redis://host:6379?password=s3cret')).toBe(
      'redis://host:6379?password=****',
    );
    expect(maskRedisUrl('redis://u:a@host/1?db=2&sentinelPassword=x&family=6#f')).toBe(
      'redis://u:****@host/1?db=2&sentinelPassword=****&family=6#f',
    );
    expect(maskRedisUrl('redis://host?Pass%77ord=x&name=pass')).toBe(
      'redis://host?Pass%77ord=****&name=pass',
    );
    expect(maskRedisUrl('redis://host?password')).toBe('redis://host?password');
  });
});
