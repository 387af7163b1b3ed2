import type { LanguageModelMiddleware } from 'ai';
import { type MeteredResponse, startResponse, type TallyMiddlewareOptions } from './metered-response.ts';

type StreamResult = Awaited<ReturnType<NonNullable<LanguageModelMiddleware['wrapStream']>>>;
type StreamPart = StreamResult['stream'] extends ReadableStream<infer Part> ? Part : never;

/**
 * The Streams standard's `cancel` (2023, in Node since 20): called when the reader cancels the
 * stream or the model's stream fails. TypeScript's DOM and Node typings do not list it yet.
 */
type CancellableTransformer<I, O> = Transformer<I, O> & { cancel(reason: unknown): Promise<void> };

/**
 * Passes the model's stream through, and settles the response when it ends: charged when the
 * stream finished without an error part, given back when it carried an error, failed, or the
 * reader cancelled it.
 */
function settleAtEnd(response: MeteredResponse): TransformStream<StreamPart, StreamPart> {
  let failed = false;
  const transformer: CancellableTransformer<StreamPart, StreamPart> = {
    transform(part, controller) {
      if (part.type === 'error') failed = true;
      controller.enqueue(part);
    },
    flush: () => (failed ? response.release() : response.commit()),
    cancel: () => response.release(),
  };
  return new TransformStream(transformer);
}

/**
 * Meters every generate and stream call of the wrapped model as one AI response of a conversation:
 * `wrapLanguageModel({ model, middleware: tallyMiddleware({ client, conversationId, agentId, channel }) })`.
 */
export function tallyMiddleware(options: TallyMiddlewareOptions): LanguageModelMiddleware {
  return {
    specificationVersion: 'v3',
    async wrapGenerate({ doGenerate, params }) {
      const response = await startResponse(options, params.abortSignal);
      let result: Awaited<ReturnType<typeof doGenerate>>;
      try {
        result = await doGenerate();
      } catch (error) {
        await response.release();
        throw error;
      }
      await response.commit();
      return result;
    },
    async wrapStream({ doStream, params }) {
      const response = await startResponse(options, params.abortSignal);
      let result: StreamResult;
      try {
        result = await doStream();
      } catch (error) {
        await response.release();
        throw error;
      }
      return { ...result, stream: result.stream.pipeThrough(settleAtEnd(response)) };
    },
  };
}
