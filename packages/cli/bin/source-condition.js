// Module resolve hook: adds the `@conveyor/source` export condition, so workspace packages
// resolve to their TypeScript sources (what `node --conditions=@conveyor/source` does).
export async function resolve(specifier, context, nextResolve) {
  const conditions = context.conditions.includes('@conveyor/source')
    ? context.conditions
    : [...context.conditions, '@conveyor/source'];
  return nextResolve(specifier, { ...context, conditions });
}
