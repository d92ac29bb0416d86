/**
 * A {@link ChatRequest} written as a Gemini `GenerateContentRequest` (AI Studio and Vertex AI).
 * Field facts: Gemini API reference, generateContent (https://ai.google.dev/api/generate-content):
 * `contents[]` ({`role`: `user` | `model`, `parts[]`: `text`, `inlineData`, `fileData`,
 * `functionCall`, `functionResponse`}), `systemInstruction`, `tools[].functionDeclarations`,
 * `toolConfig.functionCallingConfig` (`AUTO` / `ANY` / `NONE`, `allowedFunctionNames`),
 * `generationConfig` (`maxOutputTokens`, `temperature`, `topP`, `topK`, `stopSequences`,
 * `candidateCount`, `seed`, `presencePenalty`, `frequencyPenalty`, `responseMimeType`,
 * `responseJsonSchema`).
 */
import type { ChatPart, ChatRequest } from './chat-request.js';
import type { Json } from './json-body.js';
import { refuse } from './refusal.js';

const TARGET = 'Gemini';

/** The GenerateContentRequest for `req` (the model and the stream flag go in the URL). */
export function writeGemini(req: ChatRequest): Json {
  if (req.n !== undefined) refuse('n', TARGET, 'only one choice (n = 1) is translated');
  if (req.parallelToolCalls === false) refuse('parallel_tool_calls', TARGET, 'false has no equivalent');
  const out: Json = {
    contents: req.turns.map((t) => ({ role: t.role === 'assistant' ? 'model' : 'user', parts: t.parts.map(part) })),
  };
  if (req.system.length > 0) out['systemInstruction'] = { parts: req.system.map((s) => ({ text: s.text })) };
  const gen: Json = {};
  if (req.maxTokens !== undefined) gen['maxOutputTokens'] = req.maxTokens;
  if (req.temperature !== undefined) gen['temperature'] = req.temperature;
  if (req.topP !== undefined) gen['topP'] = req.topP;
  if (req.topK !== undefined) gen['topK'] = req.topK;
  if (req.stop !== undefined) gen['stopSequences'] = req.stop;
  if (req.seed !== undefined) gen['seed'] = req.seed;
  if (req.presencePenalty !== undefined) gen['presencePenalty'] = req.presencePenalty;
  if (req.frequencyPenalty !== undefined) gen['frequencyPenalty'] = req.frequencyPenalty;
  const rf = req.responseFormat;
  if (rf !== undefined) {
    gen['responseMimeType'] = 'application/json';
    if (rf.type === 'json_schema') gen['responseJsonSchema'] = rf.schema;
  }
  if (Object.keys(gen).length > 0) out['generationConfig'] = gen;
  if (req.tools !== undefined && req.tools.length > 0) {
    out['tools'] = [
      {
        functionDeclarations: req.tools.map((t) => ({
          name: t.name,
          ...(t.description !== undefined ? { description: t.description } : {}),
          parametersJsonSchema: t.parameters,
        })),
      },
    ];
  }
  const c = req.toolChoice;
  if (c !== undefined) {
    const mode = c.type === 'auto' ? 'AUTO' : c.type === 'none' ? 'NONE' : 'ANY';
    out['toolConfig'] = { functionCallingConfig: { mode, ...(c.type === 'tool' ? { allowedFunctionNames: [c.name] } : {}) } };
  }
  if (req.user !== undefined) refuse('user', TARGET);
  return out;
}

function part(p: ChatPart): Json {
  switch (p.kind) {
    case 'text':
      return { text: p.text };
    case 'image':
      if (p.data !== undefined) return { inlineData: { mimeType: p.mediaType, data: p.data } };
      if (p.url?.startsWith('gs://') || p.url?.startsWith('https://generativelanguage.googleapis.com/')) return { fileData: { fileUri: p.url } };
      return refuse(`${p.param}.image_url.url`, TARGET, 'image URLs are not fetched (gs:// and Gemini file URIs are); send the image as a base64 data URL');
    case 'tool_call':
      return { functionCall: { name: p.name, args: p.args } };
    case 'tool_result':
      if (p.name === undefined) return refuse(`${p.param}.tool_call_id`, TARGET, 'must name a tool call of an earlier assistant message (Gemini needs the function name)');
      return { functionResponse: { name: p.name, response: { content: p.text } } };
  }
}
