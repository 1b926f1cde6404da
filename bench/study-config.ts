// What one study benchmark run does (`npm run bench -- study [--images N] [--nets K] [--layers ...]
// [--methods ...] [--rounds R] [--dir DIR]`), parsed from the bench's arguments and handed to its
// child parts through the environment (bench/main.ts runs every part as `main.js --part NAME`).
import { STUDY_LAYERS, STUDY_METHODS } from './study-inputs.js';

export interface StudyConfig {
  images: number;
  nets: number;
  layers: string[];
  methods: string[];
  /** Rounds of ours and the Python way, alternated (ours, Python, ours, Python, ...); medians are shown. */
  rounds: number;
  /** The folder for the inputs, runs and activation files; a temp folder, removed after, unless given. */
  dir?: string;
  /** Images per batch on both sides (the probe's --batch, onnxruntime's batch). */
  batch: number;
  /**
   * Seconds one method may take on one layer, on either side: past it the method is stopped at its
   * next progress report and its whole time estimated from the share it had done (marked ~).
   */
  stageBudget: number;
}

export const STUDY_DEFAULTS: StudyConfig = { images: 300, nets: 4, layers: Object.keys(STUDY_LAYERS), methods: STUDY_METHODS, rounds: 1, batch: 64, stageBudget: 900 };

const ENV = 'CONVERGENT_STUDY_CONFIG';

function positiveInteger(flag: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < min) throw new Error(`study: ${flag} needs an integer >= ${min}, got ${value ?? 'nothing'}`);
  return n;
}

function listOf(flag: string, value: string | undefined, allowed: string[]): string[] {
  const items = (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new Error(`study: ${flag} needs a comma-separated list of ${allowed.join(', ')}`);
  const unknown = items.filter((s) => !allowed.includes(s));
  if (unknown.length > 0) throw new Error(`study: ${flag}: unknown ${unknown.join(', ')}; choose from ${allowed.join(', ')}`);
  return items;
}

/** The config from the bench's arguments after `study` (unknown flags refused by name). */
export function parseStudyArgs(args: string[]): StudyConfig {
  const config: StudyConfig = { ...STUDY_DEFAULTS };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = args[i + 1];
    if (flag === 'study') continue;
    i++;
    if (flag === '--images') config.images = positiveInteger(flag, value, 2);
    else if (flag === '--nets') config.nets = positiveInteger(flag, value, 2);
    else if (flag === '--rounds') config.rounds = positiveInteger(flag, value, 1);
    else if (flag === '--batch') config.batch = positiveInteger(flag, value, 1);
    else if (flag === '--stage-budget') config.stageBudget = positiveInteger(flag, value, 1);
    else if (flag === '--layers') config.layers = listOf(flag, value, Object.keys(STUDY_LAYERS));
    else if (flag === '--methods') config.methods = listOf(flag, value, STUDY_METHODS);
    else if (flag === '--dir' && value) config.dir = value;
    else throw new Error(`study: unknown option ${flag} (options: --images N, --nets K, --layers L1,L2, --methods M1,M2, --rounds R, --batch B, --stage-budget SECONDS, --dir DIR)`);
  }
  return config;
}

/** The config and folder a child part works on. */
export interface StudyPartConfig extends StudyConfig {
  dir: string;
}

export function setPartConfig(config: StudyPartConfig): void {
  process.env[ENV] = JSON.stringify(config);
}

export function partConfig(): StudyPartConfig {
  const text = process.env[ENV];
  if (!text) throw new Error(`${ENV} is not set: the study parts run under \`npm run bench -- study\``);
  return JSON.parse(text) as StudyPartConfig;
}
