// The one pipeline of both seed formats: a reader reads the input and locates each value (file,
// line, column), the checks shared with typed props check the fields, and every source that
// passed is returned as checked data (only `MirrorSource`'s static factories wrap it, so that the
// loaders do not import MirrorSource back). Problems are collected in reading order, so that one
// run reports all of them with their places.
import { CheckedSource, SourceFields } from '../checked-source';
import { SourceLoadOptions } from './load-options';
import { applyOverrides, checkOverrideKeys } from './overrides';
import { Problem, throwIfProblems } from '../problems';
import { checkPartialSourceFields, checkSourceFields, FieldProblem } from '../source-checks';
import { duplicatePublications, Publication } from '../uniqueness';

/** One source as a reader found it: its fields and where each came from. */
export interface ReadSource {
  /** `<prefix>/<name>`, as `SourceLoadOptions.overrides` name it */
  readonly id: string;
  /** the fields as read; undefined where they could not be read (the reader said so) */
  readonly fields: Partial<SourceFields>;
  /** whether every required part could be read */
  readonly complete: boolean;
  /**
   * List fields whose emptiness the reader has reported itself (when not complete).
   * @default ['components', 'packages']
   */
  readonly reportedEmpty?: readonly string[];
  /** where the source was defined, for `MirrorSource.definedAt` */
  readonly definedAt: string;
  /** The problem with a field, pointed at where the field was written, in the input's terms. */
  locate(problem: FieldProblem, all: readonly FieldProblem[]): Problem | undefined;
}

/** What a reader reports while reading: problems, the sources it found and what they publish. */
export interface Reading {
  readonly problems: Problem[];
  /** ids of every source found, also incomplete ones (for `checkOverrideKeys`) */
  readonly ids: string[];
  readonly publications: Publication[];
}

/** A source that passed its checks, and where it was defined (for `MirrorSource.definedAt`). */
export interface LoadedSource {
  readonly checked: CheckedSource;
  readonly definedAt: string;
}

/** A seed format's reader. */
export interface SourceReader {
  /** names the input in the error (`sources directory <dir>`, or the file) */
  readonly what: string;
  /** where problems about the whole input point */
  readonly where: string;
  /** the problem when the input defines no source at all */
  readonly noSources: string;
  /** Yields each source once read (and its reading problems reported into `reading`). */
  read(reading: Reading): Iterable<ReadSource>;
}

/** Reads, locates and checks every source of the input, or throws with every problem. */
export function loadSources(reader: SourceReader, options: SourceLoadOptions): LoadedSource[] {
  const reading: Reading = { problems: [], ids: [], publications: [] };
  const sources: LoadedSource[] = [];
  for (const read of reader.read(reading)) {
    const checked = checkReadSource(read, options, reading.problems);
    if (checked) sources.push({ checked, definedAt: read.definedAt });
  }
  const problems = reading.problems;
  if (reading.ids.length === 0 && problems.length === 0) problems.push({ file: reader.where, message: reader.noSources });
  problems.push(...duplicatePublications(reading.publications));
  problems.push(...checkOverrideKeys(options, reading.ids, reader.where));
  throwIfProblems(reader.what, problems);
  return sources;
}

/**
 * Checks a source with the load options applied; its problems go to `problems`. Missing parts
 * are reported already: the rest is still checked, so one run shows everything.
 */
function checkReadSource(read: ReadSource, options: SourceLoadOptions, problems: Problem[]): CheckedSource | undefined {
  const fields = applyOverrides(read.fields, options, read.id);
  const found = read.complete && isComplete(fields)
    ? checkSourceFields(fields)
    : { problems: checkPartialSourceFields(fields, read.reportedEmpty), checked: undefined };
  const overridden = Object.entries(options.overrides?.[read.id] ?? {}).filter(([, value]) => value !== undefined).map(([field]) => field);
  for (const p of found.problems) {
    const located = read.locate(p, found.problems);
    if (!located) continue;
    // A value the options gave is named by its option: the file does not hold it.
    problems.push({ ...located, message: overridden.includes(p.field) ? `overrides["${read.id}"].${p.field}: ${located.message}` : located.message, hint: p.hint });
  }
  return found.checked;
}

/** Whether every field a source needs is there. */
function isComplete(fields: Partial<SourceFields>): fields is SourceFields {
  return fields.prefix !== undefined && fields.name !== undefined && fields.url !== undefined
    && (fields.keyUrl !== undefined || fields.key !== undefined)
    && fields.distribution !== undefined && fields.components !== undefined && fields.packages !== undefined
    && fields.keyFingerprints !== undefined && fields.architectures !== undefined;
}
