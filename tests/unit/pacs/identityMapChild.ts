// A separate process assigning pseudonyms in a shared identity map (for the concurrency test): argv = map file, key
// (base64), study id, then the identifiers; prints each identifier's pseudonym as JSON.
import { IdentityMap } from '../../../pacs/identityMap';

const [file, key, studyId, ...identifiers] = process.argv.slice(2);
const map = IdentityMap.open(file, Buffer.from(key, 'base64'));
console.log(JSON.stringify(identifiers.map((id) => [id, map.pseudonymFor(studyId, id)])));
