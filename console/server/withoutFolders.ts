// Messages from the pipeline (QC reasons, attention notes) name the files they are about by their full path on the
// worker's host. The console shows the file's name only: where the study store lives on a server is no business of
// the browser, and a name is enough to tell which scan is meant.

/** An absolute path of two or more parts (not inside a URL), up to a space, quote, bracket, comma or semicolon. */
const ABSOLUTE_PATH = /(?<![\w.:/])\/(?:[^\s/'"(),;]+\/)+([^\s/'"(),;]+)/g;

/** `text` with every absolute path replaced by its last part (the file's name). */
export function withoutFolders(text: string): string {
  return text.replace(ABSOLUTE_PATH, '$1');
}
