// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import type { NotebookOutput } from '../../../../main/common/kernels';
import { ELIDED_KEY } from '../../../../main/common/notebooks';
import { buttonByText, click, mount, settle, unmountAll } from '../../../shared/testing';
import { ElidedOutputs, OutputArea } from './OutputArea';

afterEach(unmountAll);

const out = (o: object) => o as NotebookOutput;

describe('OutputArea', () => {
  it('draws streams with their ANSI colours, stderr apart, and tracebacks', async () => {
    const host = await mount(
      <OutputArea
        outputs={[
          out({ output_type: 'stream', name: 'stdout', text: ['plain ', '\x1b[31mred\x1b[0m done\n'] }),
          out({ output_type: 'stream', name: 'stderr', text: 'warning\n' }),
          out({ output_type: 'error', ename: 'ValueError', evalue: 'bad', traceback: ['\x1b[1;31mValueError\x1b[0m: bad'] }),
        ]}
      />,
    );
    const pres = [...host.querySelectorAll('pre')];
    expect(pres.map((p) => p.textContent)).toEqual(['plain red done\n', 'warning\n', 'ValueError: bad']);
    const red = [...pres[0]!.querySelectorAll('span')].find((s) => s.textContent === 'red')!;
    expect(red.style.color).not.toBe('');
    expect(pres[1]!.className).toContain('stderr');
    expect(pres[2]!.className).toContain('output-error');
    expect(host.querySelector('[role="group"]')?.getAttribute('aria-label')).toBe('Cell output');
  });

  it('picks the richest mime type and strips scripts and handlers from HTML', async () => {
    const host = await mount(
      <OutputArea
        outputs={[
          out({ output_type: 'display_data', metadata: {}, data: { 'text/plain': 'df', 'text/html': '<table><tr><td>1</td></tr></table><script>window.pwned = 1</script><img src="x" onerror="window.pwned = 2">' } }),
          out({ output_type: 'execute_result', execution_count: 1, metadata: {}, data: { 'image/svg+xml': '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', 'text/plain': '<svg>' } }),
          out({ output_type: 'display_data', metadata: {}, data: { 'application/json': { a: [1, 2] } } }),
        ]}
      />,
    );
    const rich = host.querySelector('.rich-output')!;
    expect(rich.querySelector('td')?.textContent).toBe('1');
    expect(rich.innerHTML).not.toMatch(/script|onerror/);
    expect((globalThis as { pwned?: number }).pwned).toBeUndefined();
    // An SVG is drawn as an image, where its script cannot run.
    const svg = host.querySelector<HTMLImageElement>('img[alt="output image (SVG)"]')!;
    expect(svg.src.startsWith('data:image/svg+xml')).toBe(true);
    expect(host.querySelector('svg')).toBeNull();
    expect(host.querySelector('.json-output')?.textContent).toBe(JSON.stringify({ a: [1, 2] }, null, 2));
  });

  it('shows the start of a long text and the rest on request', async () => {
    const long = 'x'.repeat(100_000) + 'TAIL';
    const host = await mount(<OutputArea outputs={[out({ output_type: 'stream', name: 'stdout', text: long })]} />);
    expect(host.querySelector('pre')!.textContent).toHaveLength(100_000);
    click(buttonByText(host, 'Output truncated: show 4 more characters'));
    expect(host.querySelector('pre')!.textContent!.endsWith('TAIL')).toBe(true);
    expect(host.querySelector('button')).toBeNull();
  });

  it('says so for a big output the core kept back, and fetches the whole of it on request', async () => {
    const asked: string[] = [];
    const full = out({ output_type: 'display_data', metadata: {}, data: { 'text/plain': 'the whole table' } });
    const elided = { load: async (id: string) => (asked.push(id), full), shown: new Map<string, NotebookOutput>() };
    const stand = out({ output_type: 'display_data', metadata: {}, data: {}, [ELIDED_KEY]: { id: 'o7', chars: 3 * 1024 * 1024, kinds: ['text/html'] } });
    const host = await mount(
      <ElidedOutputs.Provider value={elided}>
        <OutputArea outputs={[stand]} />
      </ElidedOutputs.Provider>,
    );
    expect(host.querySelector('[role="note"]')?.textContent).toMatch(/This output is 3(\.0)? MB \(text\/html\).*stays in the file unchanged/);
    click(buttonByText(host, 'Show all of it'));
    await settle();
    expect(asked).toEqual(['o7']);
    expect(host.textContent).toContain('the whole table');
    expect(host.querySelector('[role="note"]')).toBeNull();
  });
});
