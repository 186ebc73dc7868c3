import { PfmError } from '../../kernel/errors.js';
import type { AgentTools } from './core.js';
import { parseQuestion, type QuestionPlan } from './parseQuestion.js';
import { renderLocalAnswer, type ToolOutcome } from './renderAnswer.js';

/** A local answer: the text, the plan the patterns made, and each tool's result or refusal. */
export interface LocalAnswer {
  text: string;
  plan: QuestionPlan;
  outcomes: ToolOutcome[];
}

/**
 * Answers a question without a language model: fixed patterns pick the tools (parseQuestion), the same tools
 * the Bedrock agent calls run over the store, and the results are rendered as a labelled summary. A tool that
 * refuses its input or whose store fails is reported in the answer; any other error is thrown.
 */
export async function answerLocally(args: {
  question: string;
  tools: AgentTools;
  source: string;
}): Promise<LocalAnswer> {
  const plan = parseQuestion(args.question);
  const outcomes: ToolOutcome[] = [];
  for (const call of plan.calls) {
    try {
      outcomes.push({ call, result: await args.tools.run(call.name, call.input) });
    } catch (error) {
      if (!(error instanceof PfmError)) throw error;
      outcomes.push({ call, error: error.message });
    }
  }
  return { text: renderLocalAnswer({ plan, outcomes, source: args.source }), plan, outcomes };
}
