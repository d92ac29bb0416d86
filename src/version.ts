/**
 * The package's name and version, read once from package.json.
 */
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };

/** npm package name; also the OTel meter name. */
export const PACKAGE_NAME: string = pkg.name;
/** npm package version. */
export const PACKAGE_VERSION: string = pkg.version;
