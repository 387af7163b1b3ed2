import type { wrapLanguageModel } from 'ai';

type LanguageModel = Parameters<typeof wrapLanguageModel>[0]['model'];
type CallOptions = Parameters<LanguageModel['doGenerate']>[0];
type GenerateResult = Awaited<ReturnType<LanguageModel['doGenerate']>>;
type StreamResult = Awaited<ReturnType<LanguageModel['doStream']>>;

const usage: GenerateResult['usage'] = {
  inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: undefined, text: undefined, reasoning: undefined },
};
const finishReason: GenerateResult['finishReason'] = { unified: 'stop', raw: undefined };

function lastUserText(prompt: CallOptions['prompt']): string {
  const last = prompt.findLast((message) => message.role === 'user');
  if (last?.role !== 'user') return '';
  return last.content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join(' ');
}

/** The example's stand-in for a real model: a templated reply to the last user message, no network. */
export class TemplateReplyModel implements LanguageModel {
  readonly specificationVersion = 'v3';
  readonly provider = 'tally-example';
  readonly modelId = 'template-reply';
  readonly supportedUrls = {};

  private replyTo(prompt: CallOptions['prompt']): string {
    return `You said "${lastUserText(prompt)}". How else can I help?`;
  }

  async doGenerate(options: CallOptions): Promise<GenerateResult> {
    return { content: [{ type: 'text', text: this.replyTo(options.prompt) }], finishReason, usage, warnings: [] };
  }

  async doStream(options: CallOptions): Promise<StreamResult> {
    const text = this.replyTo(options.prompt);
    const parts: StreamResult['stream'] extends ReadableStream<infer Part> ? Part[] : never = [
      { type: 'stream-start', warnings: [] },
      { type: 'text-start', id: 'reply' },
      { type: 'text-delta', id: 'reply', delta: text },
      { type: 'text-end', id: 'reply' },
      { type: 'finish', finishReason, usage },
    ];
    return {
      stream: new ReadableStream({
        start(controller) {
          for (const part of parts) controller.enqueue(part);
          controller.close();
        },
      }),
    };
  }
}
