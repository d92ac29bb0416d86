/**
 * The embedded default configuration, used when neither `--config` nor `LLM_EXTPROC_CONFIG`
 * names a file: models starting `gpt-` route to rule `openai`, `claude-` to `anthropic`,
 * `gemini-` to `gemini`; anything else gets "no matching rule".
 */
export const EMBEDDED_DEFAULT_YAML = `# llm-extproc embedded default configuration
schema: { name: OpenAI }
selectedRouteHeaderKey: x-ai-eg-selected-route
modelNameHeaderKey: x-ai-eg-model
metadataNamespace: io.envoy.ai_gateway
rules:
  - name: openai
    headers:
      - { name: x-ai-eg-model, prefix: "gpt-" }
    backends:
      - { name: openai, schema: { name: OpenAI }, host: api.openai.com, port: 443, tls: true }
  - name: anthropic
    headers:
      - { name: x-ai-eg-model, prefix: "claude-" }
    backends:
      - { name: anthropic, schema: { name: Anthropic }, host: api.anthropic.com, port: 443, tls: true }
  - name: gemini
    headers:
      - { name: x-ai-eg-model, prefix: "gemini-" }
    backends:
      - { name: gemini, schema: { name: GCPGemini }, host: generativelanguage.googleapis.com, port: 443, tls: true }
llmRequestCosts:
  - { metadataKey: llm_input_token, type: InputToken }
  - { metadataKey: llm_output_token, type: OutputToken }
  - { metadataKey: llm_total_token, type: TotalToken }
`;
