// The rule types of the parameter schema, after pykwalify's: what a key's value must be, and whether null is allowed.

export interface NumberRange {
  min?: number;
  max?: number;
  /** Exclusive lower bound (pykwalify `min-ex`). */
  minExclusive?: number;
}

export type Rule =
  | ({ type: 'int' } & NumberRange)
  | ({ type: 'float' } & NumberRange)
  | { type: 'bool' }
  | { type: 'str'; enum?: readonly string[] }
  | { type: 'seq'; item: Rule; minLength?: number; maxLength?: number }
  /** str from a fixed set, or an int code; normalised to the name. */
  | { type: 'code'; names: readonly string[]; codes?: Readonly<Record<number, string>> };

/** A rule plus whether `null` (YAML `~` or an empty value) is a meaningful value for the setting. */
export interface SettingRule {
  rule: Rule;
  nullable?: boolean;
}
