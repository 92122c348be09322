import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTemplate, renderTemplate, TemplateError } from '../../lib/template';

test('a template without placeholders renders as itself', () => {
  const t = parseTemplate('/my/');
  assert.deepEqual(t.params, []);
  assert.equal(
    renderTemplate(t, () => 0),
    '/my/',
  );
});

test('placeholders in path and query are filled in order, names may repeat', () => {
  const t = parseTemplate('/a/{x}/b.php?id={y}&again={x}');
  assert.deepEqual(t.params, ['x', 'y', 'x']);
  const seen: [string, number][] = [];
  const out = renderTemplate(t, (name, i) => {
    seen.push([name, i]);
    return name === 'x' ? 7 : 42;
  });
  assert.equal(out, '/a/7/b.php?id=42&again=7');
  assert.deepEqual(seen, [
    ['x', 0],
    ['y', 1],
    ['x', 2],
  ]);
});

test('an unclosed or unmatched brace is an error naming the character', () => {
  assert.throws(
    () => parseTemplate('/course/view.php?id={courseid'),
    (e: Error) => e instanceof TemplateError && /unclosed "\{" at character 21/.test(e.message),
  );
  assert.throws(() => parseTemplate('/x{a{b}'), /unclosed/);
  assert.throws(() => parseTemplate('/x}'), /unmatched "\}"/);
  assert.throws(() => parseTemplate('/x{}'), /not a parameter name/);
  assert.throws(() => parseTemplate('/x{a-b}'), /not a parameter name/);
});
