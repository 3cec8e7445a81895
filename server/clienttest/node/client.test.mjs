// Checks `jessy serve` with the official openai npm package, unmodified:
// only the base URL and the key point it at Jessy. Run by
// server/clienttest/node_test.go, which starts a server on a fake backend
// and passes what to expect in the environment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const env = (name) => {
  const v = process.env[name];
  assert.ok(v, `${name} is not set: run this through go test ./server/clienttest`);
  return v;
};
const baseURL = env('JESSY_BASE_URL');
const apiKey = env('JESSY_API_KEY');
const answer = env('JESSY_ANSWER');
const thoughts = Number(env('JESSY_THOUGHTS'));
const usage = {
  prompt_tokens: Number(env('JESSY_PROMPT_TOKENS')),
  completion_tokens: Number(env('JESSY_COMPLETION_TOKENS')),
};
usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;

const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 20_000 });
const messages = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Why is the sky blue?' },
];

const usageOf = (u) => ({
  prompt_tokens: u.prompt_tokens,
  completion_tokens: u.completion_tokens,
  total_tokens: u.total_tokens,
});

test('chat completion, not streamed', async () => {
  const c = await client.chat.completions.create({ model: 'jessy', messages });
  assert.equal(c.object, 'chat.completion');
  assert.equal(c.choices.length, 1);
  assert.equal(c.choices[0].message.role, 'assistant');
  assert.equal(c.choices[0].message.content, answer);
  assert.equal(c.choices[0].finish_reason, 'stop');
  assert.deepEqual(usageOf(c.usage), usage);
});

test('chat completion, streamed with usage', async () => {
  const stream = await client.chat.completions.create({
    model: 'jessy',
    messages,
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let last = null;
  let chunks = 0;
  let finish = null;
  for await (const chunk of stream) {
    chunks++;
    for (const choice of chunk.choices) {
      text += choice.delta?.content ?? '';
      finish = choice.finish_reason ?? finish;
    }
    if (chunk.usage) last = chunk.usage;
  }
  assert.equal(text, answer);
  assert.equal(finish, 'stop');
  assert.ok(chunks > 3, `only ${chunks} chunks: the answer was not streamed`);
  assert.ok(last, 'no usage chunk');
  assert.deepEqual(usageOf(last), usage);
});

test('thoughts arrive as reasoning_content before the answer', async () => {
  const stream = await client.chat.completions.create({
    model: 'jessy',
    messages,
    stream: true,
    show_thoughts: true,
  });
  let reasoning = '';
  let text = '';
  let reasoningAfterAnswer = false;
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta ?? {};
    if (delta.reasoning_content) {
      reasoning += delta.reasoning_content;
      if (text) reasoningAfterAnswer = true;
    }
    text += delta.content ?? '';
  }
  assert.equal(text, answer);
  assert.equal(reasoningAfterAnswer, false);
  for (let i = 1; i <= thoughts; i++) {
    assert.match(reasoning, new RegExp(`Thought ${i} of ${thoughts}`));
  }
});

test('the models list', async () => {
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  assert.deepEqual(ids, ['jessy']);
});

test('a wrong key is refused with 401', async () => {
  const bad = new OpenAI({ baseURL, apiKey: 'sk-wrong', maxRetries: 0 });
  await assert.rejects(
    bad.chat.completions.create({ model: 'jessy', messages }),
    (err) => err instanceof OpenAI.AuthenticationError && err.status === 401,
  );
});

test('an unknown model is a 404', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'no-such-model', messages }),
    (err) => err instanceof OpenAI.NotFoundError && err.code === 'model_not_found',
  );
});
