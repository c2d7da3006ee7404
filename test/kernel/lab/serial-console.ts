/**
 * The guest's serial console as the host sees it: the whole text (bounded),
 * plus the /init markers (see init-script.ts) parsed line by line. QEMU
 * hands output over in arbitrary chunks, so a marker may arrive in pieces;
 * only complete lines are parsed.
 */
export class SerialConsole {
  #text = "";
  #partialLine = "";
  #ready = false;
  #setupFailure: string | undefined;
  #exitCode: number | undefined;

  /** @param limit keep at most this many characters (the newest), even when a test floods the console */
  constructor(private readonly limit = 4 << 20) {}

  /** Adds output; returns true when this chunk completed the RXUIO-LAB-READY line. */
  append(chunk: string): boolean {
    const text = chunk.replace(/\r/g, "");
    this.#text += text;
    if (this.#text.length > this.limit) this.#text = this.#text.slice(-this.limit);
    const lines = (this.#partialLine + text).split("\n");
    this.#partialLine = lines.pop() ?? "";
    const wasReady = this.#ready;
    for (const line of lines) {
      if (line.includes("RXUIO-LAB-READY")) this.#ready = true;
      const setup = /RXUIO-LAB-FAIL (.*)$/.exec(line);
      if (setup) this.#setupFailure ??= setup[1];
      const exit = /RXUIO-LAB-EXIT (\d+)/.exec(line);
      if (exit) this.#exitCode = Number(exit[1]);
    }
    return this.#ready && !wasReady;
  }

  get text(): string {
    return this.#text;
  }

  /** /init reached the point of starting node. */
  get ready(): boolean {
    return this.#ready;
  }

  /** The first RXUIO-LAB-FAIL message, when the guest's setup failed. */
  get setupFailure(): string | undefined {
    return this.#setupFailure;
  }

  /** The guest runner's exit code, once /init reported it. */
  get exitCode(): number | undefined {
    return this.#exitCode;
  }

  /** The last `lines` lines: enough context for a failure message. */
  tail(lines = 60): string {
    return this.#text.split("\n").slice(-lines).join("\n");
  }
}
