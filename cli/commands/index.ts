// The list of sub-commands; each file registers one command on the program.
import type { Command } from 'commander';
import type { CliIo } from '../index.ts';
import { registerValidate } from './validate.ts';
import { registerRun } from './run.ts';
import { registerSweep } from './sweep.ts';
import { registerWorker } from './worker.ts';
import { registerServe } from './serve.ts';
import { registerDemo } from './demo.ts';
import { registerImportTrace } from './import-trace.ts';
import { registerTrain } from './train.ts';
import { registerTrace } from './trace.ts';
import { registerFuse } from './fuse.ts';

export type RegisterCommand = (program: Command, io: CliIo) => void;

export const commands: RegisterCommand[] = [registerRun, registerSweep, registerWorker, registerServe, registerDemo, registerValidate, registerImportTrace, registerTrain, registerTrace, registerFuse];
