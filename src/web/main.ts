// The web page (dist/web/index.html): the whole study in the browser, nothing uploaded. The user
// chooses ONNX models and images (the built-in MNIST digits or a folder), layers, backend and
// methods; the probe streams batch by batch with a progress bar; the report is shown inline and
// the run (tables, moments, report, or all of it as a .zip that `convergent align` and `report`
// take) can be saved. The study itself is src/study/; this file wires the page to it.
import { createBackend } from '../backend/select.js';
import type { Backend } from '../backend/types.js';
import { builtinPlugin, DEFAULT_METHODS } from '../align/methods/builtin/index.js';
import { reducersForMethods, selectReducers } from '../align/method-selection.js';
import { NULL_PAIRS } from '../probe/reducers/null-pairs.js';
import { PluginRegistry } from '../plugins/registry.js';
import { VEGA_BUILDS, vegaBuildScript } from '../report/template.js';
import { pageMethodProblem } from '../study/align.js';
import type { StudyNet } from '../study/probe.js';
import { runStudy } from '../study/study.js';
import { downloadsOf, showDownloads } from './downloads.js';
import { commonLayers, folderData, itemShapeOf, mnistData, readNets } from './inputs.js';

declare const __CONVERGENT_VERSION__: string;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const base = new URL('.', location.href);
const registry = new PluginRegistry();
registry.add(builtinPlugin, 'built-in');
let nets: StudyNet[] = [];
let folderFiles: File[] = [];

function setState(state: 'idle' | 'running' | 'done' | 'error', message = ''): void {
  document.body.dataset.state = state;
  $('status').textContent = message;
}

function log(message: string): void {
  $('log').textContent += `${message}\n`;
}

function checkboxes(container: HTMLElement, name: string, items: { value: string; checked: boolean; note?: string; disabled?: boolean }[]): void {
  container.replaceChildren(
    ...items.map((item) => {
      const label = document.createElement('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.name = name;
      box.value = item.value;
      box.checked = item.checked;
      box.disabled = item.disabled ?? false;
      label.append(box, ` ${item.value}`);
      if (item.note) label.title = item.note;
      return label;
    }),
  );
}

function checked(name: string): string[] {
  return [...document.querySelectorAll<HTMLInputElement>(`input[name="${name}"]:checked`)].map((b) => b.value);
}

async function chooseModels(files: File[]): Promise<void> {
  try {
    nets = await readNets(files);
    $('model-list').replaceChildren(...nets.map((n) => Object.assign(document.createElement('li'), { textContent: `${n.name} (${n.fileName}, ${n.bytes.length.toLocaleString('en-US')} bytes)` })));
    if (nets.length < 2) throw new Error('choose at least two ONNX models to compare');
    const layers = commonLayers(nets, log);
    checkboxes($('layers'), 'layer', layers.map((value) => ({ value, checked: true })));
    setState('idle', `${nets.length} models; ${layers.length} layers in common`);
  } catch (error) {
    $<HTMLButtonElement>('run').disabled = true;
    setState('error', (error as Error).message);
    return;
  }
  $<HTMLButtonElement>('run').disabled = false;
}

/** WebGPU when navigator.gpu gives an adapter, else WASM on every core; the choice stays the user's. */
async function offerBackends(): Promise<void> {
  const select = $<HTMLSelectElement>('backend');
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  const adapter = gpu ? await gpu.requestAdapter().catch(() => null) : null;
  const threads = navigator.hardwareConcurrency || 1;
  const options = [...(adapter ? [{ value: 'webgpu', text: `WebGPU (${adapter.info?.description || adapter.info?.vendor || 'adapter'})` }] : []), { value: 'wasm', text: `WASM SIMD on ${threads} workers` }];
  select.replaceChildren(...options.map((o) => Object.assign(document.createElement('option'), { value: o.value, textContent: o.text })));
  const asked = new URLSearchParams(location.search).get('backend');
  select.value = options.some((o) => o.value === asked) ? asked! : options[0].value;
  $('backend-note').textContent = adapter ? '' : 'no WebGPU adapter in this browser';
}

async function vegaLibs(): Promise<string[]> {
  return Promise.all(
    VEGA_BUILDS.map(async ([pkg, file]) => {
      const r = await fetch(new URL(`vendor/${file}`, base));
      if (!r.ok) throw new Error(`vendor/${file}: ${r.status} ${r.statusText}`);
      return vegaBuildScript(pkg, file, await r.text());
    }),
  );
}

async function run(): Promise<void> {
  $<HTMLButtonElement>('run').disabled = true;
  $('log').textContent = '';
  $('results').hidden = true;
  const progress = $<HTMLProgressElement>('progress');
  progress.value = 0;
  setState('running', 'reading the inputs');
  let backend: Backend | undefined;
  try {
    const itemShape = itemShapeOf(nets[0]);
    const limitText = $<HTMLInputElement>('limit').value.trim();
    const limit = limitText === '' ? undefined : Number(limitText);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new Error(`images to probe: a whole number >= 1, got ${limitText}`);
    const useFolder = $<HTMLInputElement>('data-folder').checked;
    if (useFolder && folderFiles.length === 0) throw new Error('choose an image folder, or the built-in MNIST digits');
    const data = useFolder ? folderData(folderFiles, itemShape, limit) : await mnistData(base, itemShape, limit);
    const layers = checked('layer');
    if (layers.length === 0) throw new Error('choose at least one layer');
    const methods = checked('method');
    // As `convergent run --method ... [--reducer null]`: the reducers the methods need, and null for the chance levels.
    const blocksText = $<HTMLInputElement>('blocks').value.trim();
    const blocks = blocksText === '' ? undefined : Number(blocksText);
    if (blocks !== undefined && (!Number.isInteger(blocks) || blocks < 2)) throw new Error(`intervals from blocks: a whole number >= 2 (or empty for none), got ${blocksText}`);
    const reducers = selectReducers(registry, reducersForMethods(registry, methods, $<HTMLInputElement>('chance').checked ? [NULL_PAIRS] : []));
    const kind = $<HTMLSelectElement>('backend').value;
    backend = kind === 'webgpu' ? await createBackend('webgpu') : await createBackend('wasm', { threads: navigator.hardwareConcurrency || 1 });
    log(`backend: ${backend.description}`);
    const result = await runStudy({
      runName: 'browser-run',
      nets,
      data: data.source,
      dataLabel: data.label,
      dataRecord: data.record,
      layers,
      limitItems: limit,
      backend,
      registry: registry.methods,
      methods,
      reducers,
      blocks,
      libs: await vegaLibs(),
      command: `convergent web page: ${nets.map((n) => n.fileName).join(', ')} on ${data.label}`,
      version: __CONVERGENT_VERSION__,
      log,
      onStage: (stage) => setState('running', stage === 'probe' ? 'probing' : stage === 'align' ? 'aligning' : 'rendering the report'),
      onProgress: (done, total) => {
        progress.max = total;
        progress.value = done;
        // With a two-pass reducer (mi) the images are read twice: `total` counts both passes.
        $('status').textContent = `probing: ${done} of ${total} image reads`;
      },
      onMethod: (layer, method) => ($('status').textContent = `aligning: ${method} on ${layer}`),
    });
    showDownloads($('downloads'), downloadsOf(result.run));
    $('summary-json').textContent = JSON.stringify(result.summary.objects());
    $<HTMLIFrameElement>('report').srcdoc = result.report.html;
    $('results').hidden = false;
    setState('done', `done: ${result.report.sections.length} report sections`);
  } catch (error) {
    setState('error', (error as Error).message);
    log(String((error as Error).stack ?? error));
  } finally {
    await backend?.dispose();
    $<HTMLButtonElement>('run').disabled = nets.length < 2;
  }
}

function init(): void {
  $('version').textContent = __CONVERGENT_VERSION__;
  const methods = registry.methods.names().map((value) => {
    const problem = pageMethodProblem(registry.methods.get(value));
    return { value, checked: DEFAULT_METHODS.includes(value), disabled: problem !== undefined, note: problem ?? registry.methods.get(value).description };
  });
  checkboxes($('methods'), 'method', methods);
  $<HTMLInputElement>('models').addEventListener('change', (e) => void chooseModels([...((e.target as HTMLInputElement).files ?? [])]));
  $<HTMLInputElement>('folder').addEventListener('change', (e) => {
    folderFiles = [...((e.target as HTMLInputElement).files ?? [])];
    $<HTMLInputElement>('data-folder').checked = true;
    $('folder-note').textContent = `${folderFiles.length} files`;
  });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    void chooseModels([...(e.dataTransfer?.files ?? [])]);
  });
  $('run').addEventListener('click', () => void run());
  setState('idle', 'choose two or more ONNX models');
  void offerBackends();
}

init();
