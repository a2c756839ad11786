import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The name OpenCode gives the studio's MCP server; its tools reach the model as `studio_<tool>`. */
export const STUDIO_MCP_NAME = 'studio';

/**
 * The command that runs this studio's own `opencode-studio mcp <root>`: the same Node on the CLI
 * beside this module (through tsx when running from source). `root` is the main checkout, so an
 * agent in a task's worktree changes the board, not the worktree's copy of `.opencode-studio/`.
 */
export function studioMcpCommand(root: string): string[] {
  if (import.meta.url.endsWith('.ts')) {
    const tsx = createRequire(import.meta.url).resolve('tsx/cli');
    return [process.execPath, tsx, fileURLToPath(new URL('../cli/main.ts', import.meta.url)), 'mcp', root];
  }
  return [process.execPath, fileURLToPath(new URL('../cli/main.js', import.meta.url)), 'mcp', root];
}
