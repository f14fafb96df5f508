// Tests read JSON bodies and check them with assertions; typing each one would only restate
// the assertions. The contract's types are checked where the server builds the bodies.
declare global {
  interface Response {
    // biome-ignore lint/suspicious/noExplicitAny: bodies are checked by the assertions that read them
    json(): Promise<any>;
  }
}

export {};
