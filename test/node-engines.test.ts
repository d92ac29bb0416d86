/**
 * The Node lines package.json claims (`engines.node`) are lines every installed package accepts:
 * no dependency, dev or not, warns EBADENGINE on a Node the project says it supports. The
 * container image runs one of those lines.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { engines?: { node?: string } | string[]; dev?: boolean }>;
};

describe('engines.node', () => {
  const claimed = pkg.engines.node;

  it('claims only maintained lines (Node 20 reached end of life in April 2026)', () => {
    expect(semver.intersects(claimed, '20.x')).toBe(false);
    expect(semver.satisfies('22.13.0', claimed)).toBe(true);
    expect(semver.satisfies('24.0.0', claimed)).toBe(true);
  });

  it('is accepted by every package of the lock file', () => {
    const refusing: string[] = [];
    for (const [where, info] of Object.entries(lock.packages)) {
      const range = Array.isArray(info.engines) ? undefined : info.engines?.node;
      if (where === '' || range === undefined) continue;
      if (!semver.subset(claimed, range)) refusing.push(`${where.replace(/^.*node_modules\//, '')}: engines.node ${range}`);
    }
    expect(refusing).toEqual([]);
  });

  it('holds the Node of the container image', () => {
    const dockerfile = readFileSync(path.join(ROOT, 'deploy', 'Dockerfile'), 'utf8');
    const images = [...dockerfile.matchAll(/^FROM node:(\d+)[-\w.]*/gm)].map((m) => m[1]!);
    expect(images.length).toBeGreaterThan(0);
    for (const major of images) expect(semver.satisfies(`${major}.99.0`, claimed), `node:${major}`).toBe(true);
  });
});
