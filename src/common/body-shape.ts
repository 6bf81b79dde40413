import { BadRequestException } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';

/**
 * Deepest JSON body accepted. Our DTOs nest 3 levels; class-transformer and the ValidationPipe
 * walk bodies recursively, so a 1 MiB body of `[[[[…` (JSON.parse copes) would overflow their
 * stack and end as a 500.
 */
export const MAX_BODY_DEPTH = 32;

/**
 * Most object keys accepted in one body, all levels together (a portfolio of 100 holdings has
 * ~300). The ValidationPipe's cost grows faster than linearly with unknown keys: 60,000 of them
 * in a 0.9 MB body held the event loop for 5 s and answered 0.9 MB of "should not exist".
 */
export const MAX_BODY_FIELDS = 1_000;

/** Why no route can take this parsed body, or undefined. Iterative: it must not overflow itself. */
export function bodyShapeProblem(body: unknown, maxDepth = MAX_BODY_DEPTH, maxFields = MAX_BODY_FIELDS): string | undefined {
  if (body === undefined || body === null) return undefined; // no body: the DTO's own rules apply
  if (Array.isArray(body)) return 'The request body must be a JSON object, not an array';
  if (typeof body !== 'object') return `The request body must be a JSON object, not a ${typeof body}`;
  let fields = 0;
  const stack: [object, number][] = [[body, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth >= maxDepth) return `The request body nests deeper than ${maxDepth} levels of objects or arrays`;
    const children = Object.values(node);
    if (!Array.isArray(node) && (fields += children.length) > maxFields) return `The request body has more than ${maxFields} fields (object keys, all levels together)`;
    for (const child of children) if (child !== null && typeof child === 'object') stack.push([child as object, depth + 1]);
  }
  return undefined;
}

/**
 * Answers 400 to a parsed body no route can take, before validation walks it: not an object (the
 * ValidationPipe would say "property 0 should not exist" to an array and judge `0` as `{}`), too
 * deep, or too many fields. Register before `app.init()`.
 */
export function rejectMisshapenBodies(fastify: FastifyInstance): void {
  fastify.addHook('preValidation', (request, _reply, done) => {
    const problem = bodyShapeProblem(request.body);
    done(problem === undefined ? undefined : new BadRequestException(problem));
  });
}
