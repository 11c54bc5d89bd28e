import { describe, expect, it } from 'vitest';
import { parseJupyterUrl } from './remoteServers';

describe('reading a pasted Jupyter server address', () => {
  it('finds the base URL and token in what servers and JupyterHub print', () => {
    expect(parseJupyterUrl('http://127.0.0.1:8888/lab?token=abc')).toEqual({ baseUrl: 'http://127.0.0.1:8888/', token: 'abc' });
    expect(parseJupyterUrl('https://hub.example.com/user/alice/lab/tree/work/a.ipynb?token=t1')).toEqual({ baseUrl: 'https://hub.example.com/user/alice/', token: 't1' });
    expect(parseJupyterUrl('https://hub.example.com/user/alice/gpu-server/tree?token=t1')).toEqual({ baseUrl: 'https://hub.example.com/user/alice/gpu-server/', token: 't1' });
    expect(parseJupyterUrl('https://hub.example.com/user/alice', ' t2 ')).toEqual({ baseUrl: 'https://hub.example.com/user/alice/', token: 't2' });
    // A token typed in the field wins over one in the URL.
    expect(parseJupyterUrl('http://localhost:8888/?token=old', 'new').token).toBe('new');
  });

  it('warns about plain http beyond this machine', () => {
    expect(parseJupyterUrl('http://gpu-box:8888/?token=x').warning).toMatch(/unencrypted.*SSH tunnel/);
    expect(parseJupyterUrl('http://localhost:8888/?token=x').warning).toBeUndefined();
  });

  it('refuses what cannot be a server, saying what to paste instead', () => {
    expect(() => parseJupyterUrl('gpu-box:8888')).toThrow(/http:\/\/ or https:\/\//);
    expect(() => parseJupyterUrl('not a url')).toThrow(/is not a URL/);
    expect(() => parseJupyterUrl('https://hub.example.com/hub/home?token=x')).toThrow(/JupyterHub's own page.*user\/NAME/);
    expect(() => parseJupyterUrl('https://me:pw@host/?token=x')).toThrow(/user name and password/);
    expect(() => parseJupyterUrl('https://host:8888/lab')).toThrow(/A token is needed.*jupyter server list/);
  });
});
