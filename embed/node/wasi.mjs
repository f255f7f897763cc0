// WASI 0.2 for the component, sandboxed: randomness, and streams that go nowhere. No
// files, environment, clocks or sockets exist for it. These are preview2-shim's
// browser implementations (plain JavaScript), not its Node ones, which reach the file
// system and the process.
const shimEntry = import.meta.resolve("@bytecodealliance/preview2-shim");
const browser = (name) => new URL(`../browser/${name}.js`, shimEntry).href;

const [cli, io, random] = await Promise.all([
  import(browser("cli")),
  import(browser("io")),
  import(browser("random")),
]);

const discard = () => {};
cli._setStdout(discard);
cli._setStderr(discard);

const v = "0.2.6";
const nothing = () => undefined;

export const wasiImports = {
  [`wasi:cli/environment@${v}`]: {
    getEnvironment: () => [],
    getArguments: () => [],
    initialCwd: () => undefined,
  },
  [`wasi:cli/exit@${v}`]: cli.exit,
  [`wasi:cli/stdin@${v}`]: cli.stdin,
  [`wasi:cli/stdout@${v}`]: cli.stdout,
  [`wasi:cli/stderr@${v}`]: cli.stderr,
  [`wasi:cli/terminal-input@${v}`]: cli.terminalInput,
  [`wasi:cli/terminal-output@${v}`]: cli.terminalOutput,
  [`wasi:cli/terminal-stdin@${v}`]: { getTerminalStdin: nothing },
  [`wasi:cli/terminal-stdout@${v}`]: { getTerminalStdout: nothing },
  [`wasi:cli/terminal-stderr@${v}`]: { getTerminalStderr: nothing },
  [`wasi:io/error@${v}`]: io.error,
  [`wasi:io/poll@${v}`]: io.poll,
  [`wasi:io/streams@${v}`]: io.streams,
  [`wasi:random/random@${v}`]: random.random,
  [`wasi:random/insecure-seed@${v}`]: random.insecureSeed,
};
