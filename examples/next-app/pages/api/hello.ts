import { instrument } from '@fusewire/core';
import { withTracing } from '@fusewire/next';
import type { NextApiRequest, NextApiResponse } from 'next';

export default withTracing(
  async (req: NextApiRequest, res: NextApiResponse) => {
    const name = typeof req.query.name === 'string' ? req.query.name : 'world';
    const greeting = await instrument('span', { name: 'compose-greeting', input: name }, async (obs) => {
      const text = `hello ${name}`;
      obs.update({ output: text });
      return text;
    });
    res.status(200).json({ greeting });
  },
  { name: 'hello' },
);
