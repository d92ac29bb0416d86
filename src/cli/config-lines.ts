/**
 * The config path → line lookup, kept in `src/config/` (module option errors use it too);
 * re-exported for the CLI's commands.
 */
export { lineOfConfigPath, splitConfigPath } from '../config/config-lines.js';
