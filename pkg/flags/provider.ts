import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  OpenFeatureEventEmitter, ProviderEvents, StandardResolutionReasons, ErrorCode, TypeMismatchError,
  type EvaluationContext, type JsonValue, type Provider, type ResolutionDetails,
} from '@openfeature/server-sdk';
import type { Logger } from '#pkg/log/index.ts';
import { concernsFlagsFile } from './watch-filter.ts';
import {
  applyOverrides, changedFlags, decideFlag, defaultTable, isFlagKey, parseFlagsFile,
  type FlagKey, type FlagTable,
} from './table.ts';

export interface FileFlagProviderOptions {
  /** Flags file (YAML or JSON); none: defaults plus overrides, never reloaded. */
  file?: string;
  overrides: Partial<Record<FlagKey, boolean>>;
  logger?: Logger;
  /** Quiet period after a directory event before the file is read again. */
  reloadDelayMs?: number;
}

export interface LoadedFlags {
  file: string | null;
  loadedAt: number;
  table: FlagTable;
}

/**
 * An OpenFeature provider over a flags file. The file's directory is watched,
 * not the file: a Kubernetes ConfigMap volume replaces its content by swapping
 * the `..data` symlink, which a watch on the file itself never sees.
 */
export class FileFlagProvider implements Provider {
  readonly metadata = { name: 'pilotfish-file-flags' } as const;
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();

  readonly #file: string | undefined;
  readonly #overrides: Partial<Record<FlagKey, boolean>>;
  readonly #logger: Logger | undefined;
  readonly #reloadDelayMs: number;
  #loaded: LoadedFlags;
  #watcher: FSWatcher | undefined;
  #reloadTimer: NodeJS.Timeout | undefined;
  #reloading: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(options: FileFlagProviderOptions) {
    this.#file = options.file ? path.resolve(options.file) : undefined;
    this.#overrides = options.overrides;
    this.#logger = options.logger;
    this.#reloadDelayMs = options.reloadDelayMs ?? 100;
    this.#loaded = { file: this.#file ?? null, loadedAt: Date.now(), table: applyOverrides(defaultTable(), this.#overrides) };
  }

  /** Reads the file once; throws (naming the file) when it cannot be used, so the app refuses to start. */
  async initialize(): Promise<void> {
    if (!this.#file) return;
    this.#loaded = await this.#read(this.#file);
    const base = path.basename(this.#file);
    this.#watcher = watch(path.dirname(this.#file), { persistent: false }, (_event, name) => {
      if (concernsFlagsFile(name, base)) this.#scheduleReload();
    });
    this.#watcher.on('error', (err) => this.#logger?.error({ err, file: this.#file }, 'flags: watching the flags directory failed; flags stay as last loaded'));
  }

  get loaded(): LoadedFlags {
    return this.#loaded;
  }

  async resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext): Promise<ResolutionDetails<boolean>> {
    if (!isFlagKey(flagKey)) {
      return { value: defaultValue, reason: StandardResolutionReasons.ERROR, errorCode: ErrorCode.FLAG_NOT_FOUND, errorMessage: `unknown flag ${flagKey}` };
    }
    const tenant = typeof context.targetingKey === 'string' && context.targetingKey !== '' ? context.targetingKey : undefined;
    const decision = decideFlag(this.#loaded.table, flagKey, tenant);
    return { value: decision.value, reason: decision.reason, variant: decision.value ? 'on' : 'off' };
  }

  async resolveStringEvaluation(): Promise<ResolutionDetails<string>> {
    throw new TypeMismatchError('pilotfish flags are boolean');
  }

  async resolveNumberEvaluation(): Promise<ResolutionDetails<number>> {
    throw new TypeMismatchError('pilotfish flags are boolean');
  }

  async resolveObjectEvaluation<T extends JsonValue>(): Promise<ResolutionDetails<T>> {
    throw new TypeMismatchError('pilotfish flags are boolean');
  }

  async onClose(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#reloadTimer);
    this.#watcher?.close();
    this.#watcher = undefined;
    await this.#reloading;
  }

  async #read(file: string): Promise<LoadedFlags> {
    const text = await readFile(file, 'utf8');
    const table = applyOverrides(parseFlagsFile(file, text), this.#overrides);
    return { file, loadedAt: Date.now(), table };
  }

  // A ConfigMap swap or an editor's save arrives as several directory events:
  // wait for them to settle, then read once.
  #scheduleReload(): void {
    if (this.#closed) return;
    clearTimeout(this.#reloadTimer);
    this.#reloadTimer = setTimeout(() => {
      this.#reloading = this.#reloading.then(() => this.#reload());
    }, this.#reloadDelayMs);
  }

  async #reload(): Promise<void> {
    if (this.#closed || !this.#file) return;
    let next: LoadedFlags;
    try {
      next = await this.#read(this.#file);
    } catch (err) {
      this.#logger?.error({ err, file: this.#file }, 'flags: reloading the flags file failed; keeping the last good flags');
      return;
    }
    if (this.#closed) return;
    const flagsChanged = changedFlags(this.#loaded.table, next.table);
    if (flagsChanged.length === 0) return;
    this.#loaded = next;
    this.#logger?.info({ file: this.#file, flagsChanged }, 'flags: reloaded');
    this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged });
  }
}
