// The background options of a Responses call (README "Background streams and resume"), checked
// before anything is sent; the code that runs a background stream (./background.ts) is loaded on
// first use.
import { InvalidRequestError } from "../errors/catalogue.js";
import { optionError } from "../options.js";
import type { OptionRules } from "../option-checks.js";
import { isObject } from "../util.js";
import type { ResponsesOptions } from "./responses-options.js";

/** Resumes a background stream may use when `resume.maxResumes` is not given. */
export const DEFAULT_MAX_RESUMES = 5;

/** The rules of the background options (`resume`'s count is checked by `maxResumesOf`). */
export const BACKGROUND_RULES: OptionRules = {
  resume: [(v) => v === false || isObject(v), "false or an object such as { maxResumes: 5 }"],
  cancelOnAbort: [(v) => typeof v === "boolean", "a boolean"],
};

/** The resumes a call allows: 0 for `resume: false`; throws InvalidRequestError for a bad count. */
export function maxResumesOf(where: string, options: ResponsesOptions): number {
  const { resume } = options;
  if (resume === false) return 0;
  if (resume === undefined) return DEFAULT_MAX_RESUMES;
  const extra = Object.keys(resume).filter((key) => key !== "maxResumes");
  if (extra.length > 0) {
    throw optionError(where, `options.resume.${extra[0]}`, "absent (the one key is maxResumes)");
  }
  const n = resume.maxResumes;
  if (n === undefined) return DEFAULT_MAX_RESUMES;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw optionError(where, "options.resume.maxResumes", "a non-negative integer", n);
  }
  return n;
}

/** `background: true` needs `store: true` (sent anyway on Azure): else InvalidRequestError. */
export function checkBackground(where: string, request: object, azure: boolean): void {
  const { background, store } = request as { background?: unknown; store?: unknown };
  if (background !== true || store === true || azure) return;
  const message = `${where}: request.background: true needs request.store: true (a background response is stored)`;
  throw new InvalidRequestError(message, { param: "request.store", code: "invalid_option" });
}
