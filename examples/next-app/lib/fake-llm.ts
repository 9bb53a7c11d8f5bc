/** A stand-in for an LLM client: streams a canned answer word by word. */
export async function* fakeCompletion(question: string): AsyncGenerator<string> {
  const answer = `You asked "${question}". fusewire traces this answer while it streams.`;
  for (const word of answer.split(' ')) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    yield `${word} `;
  }
}

/** A stand-in for a retriever. */
export async function retrieve(question: string): Promise<string[]> {
  await new Promise((resolve) => setTimeout(resolve, 3));
  return question.length > 0 ? ['doc-1', 'doc-7'] : [];
}
