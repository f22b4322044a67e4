// The assets and hybrid workers pages, loaded as a chunk of their own when one opens: most visits
// never need them, so the first screen does not download them.
export { Assets } from './Assets';
export { AssetPage } from './Asset';
export { Workers } from './Workers';
