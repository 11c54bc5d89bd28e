import { describe, expect, it } from 'vitest';
import { hostOfHeader, isLoopback } from './auth';

describe('loopback hosts', () => {
  it('are localhost, 127.0.0.0/8 and ::1 in their written forms, and nothing that only starts like them', () => {
    for (const h of ['localhost', 'LocalHost', '127.0.0.1', '127.255.0.9', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) expect(isLoopback(h), h).toBe(true);
    for (const h of ['127.0.0.1.evil.example', '127.evil', '127.0.0.1.', 'localhost.evil.example', 'localhost.', '128.0.0.1', '0.0.0.0', '::', '[::2]', '10.0.0.1', '', '127.0.0.256', '::ffff:10.0.0.1']) expect(isLoopback(h), h).toBe(false);
  });

  it('are read from a Host header only when it is a host and a numeric port', () => {
    expect(hostOfHeader('127.0.0.1:8080')).toBe('127.0.0.1');
    expect(hostOfHeader('[::1]:8080')).toBe('[::1]');
    expect(hostOfHeader('localhost')).toBe('localhost');
    for (const h of ['evil@127.0.0.1', '127.0.0.1:80@evil', '127.0.0.1:port', '127.0.0.1/x', '127.0.0.1 :80', '[::1', '127.0.0.1:123456']) expect(hostOfHeader(h), h).toBeUndefined();
  });
});
