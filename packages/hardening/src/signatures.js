import ts from 'typescript';

/**
 * @typedef {'undefined'|'null'|'number'|'string'|'boolean'|'bigint'|'symbol'|'function'|'array'|'object'} Kind
 * @typedef {{ name: string, optional: boolean, rest: boolean, kinds: Kind[] | 'any', shapes: string[][],
 *   literals: string[] | null, props: string[] }} Param
 * @typedef {{ kinds: Set<Kind>, any: boolean, shapes: string[][], literals: string[], openString: boolean,
 *   props: Set<string> }} Collected
 * @typedef {{ params: Param[], internal: boolean }} Signature
 * @typedef {{ name: string, kind: 'function'|'class'|'value', calls: Signature[], constructs: Signature[],
 *   methods: Record<string, Signature[]>, statics: Record<string, Signature[]>, internal: Set<string> }} ExportInfo
 */

/** @type {Kind[]} */
const ALL = [
  'undefined',
  'null',
  'number',
  'string',
  'boolean',
  'bigint',
  'symbol',
  'function',
  'array',
  'object',
];

/**
 * What runtime kinds a declared type admits (coarse: the type level, not values), and for object types
 * the properties they require (a value missing one is not of the type).
 * @param {ts.TypeChecker} checker
 * @param {ts.Type} type
 * @param {Collected} out
 */
function collect(checker, type, out) {
  const f = type.flags;
  if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) {
    out.any = true;
    return;
  }
  if (f & ts.TypeFlags.TypeParameter) {
    const c = checker.getBaseConstraintOfType(type);
    if (c && c !== type) collect(checker, c, out);
    else out.any = true;
    return;
  }
  if (type.isUnion()) {
    for (const t of type.types) collect(checker, t, out);
    return;
  }
  if (f & ts.TypeFlags.NumberLike) out.kinds.add('number');
  if (f & ts.TypeFlags.StringLiteral) out.literals.push(/** @type {ts.StringLiteralType} */ (type).value);
  else if (f & ts.TypeFlags.StringLike) out.openString = true;
  if (f & ts.TypeFlags.StringLike) out.kinds.add('string');
  if (f & ts.TypeFlags.BooleanLike) out.kinds.add('boolean');
  if (f & ts.TypeFlags.BigIntLike) out.kinds.add('bigint');
  if (f & ts.TypeFlags.ESSymbolLike) out.kinds.add('symbol');
  if (f & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) out.kinds.add('undefined');
  if (f & ts.TypeFlags.Null) out.kinds.add('null');
  if (f & ts.TypeFlags.NonPrimitive) {
    for (const k of /** @type {Kind[]} */ (['object', 'array', 'function'])) out.kinds.add(k);
    out.shapes.push([]);
  }
  if (f & ts.TypeFlags.Object || type.isIntersection()) {
    if (type.getCallSignatures().length || type.getConstructSignatures().length) {
      out.kinds.add('function');
      return;
    }
    if (checker.isArrayType(type) || checker.isTupleType(type)) {
      out.kinds.add('array');
      return;
    }
    for (const p of checker.getPropertiesOfType(type)) out.props.add(p.getName());
    const required = checker
      .getPropertiesOfType(type)
      .filter((p) => !(p.flags & ts.SymbolFlags.Optional) && !(p.flags & ts.SymbolFlags.Method))
      .map((p) => p.getName())
      .filter((n) => !n.startsWith('__@')); // symbol-keyed members (Symbol.dispose, ...)
    // A Record/index-signature type or one whose members are all optional takes any object.
    out.kinds.add('object');
    if (!required.length) out.kinds.add('array');
    out.shapes.push(required);
  }
}

/** A private or protected member (or constructor): not callable by users. @param {ts.Declaration} decl */
function hidden(decl) {
  return (ts.getCombinedModifierFlags(decl) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !== 0;
}

/**
 * @param {ts.TypeChecker} checker
 * @param {ts.Signature} sig
 * @param {ts.Node} at
 * @returns {Signature}
 */
function describeSignature(checker, sig, at) {
  const decl = sig.getDeclaration();
  return {
    internal: !!decl && (ts.getJSDocTags(decl).some((t) => t.tagName.text === 'internal') || hidden(decl)),
    params: sig.getParameters().map((p) => {
      const decl = /** @type {ts.ParameterDeclaration | undefined} */ (p.valueDeclaration);
      const type = checker.getTypeOfSymbolAtLocation(p, decl ?? at);
      const rest = !!decl?.dotDotDotToken;
      const optional = rest || !!decl?.questionToken || !!decl?.initializer;
      /** @type {Collected} */
      const out = {
        kinds: new Set(),
        any: false,
        shapes: [],
        literals: [],
        openString: false,
        props: new Set(),
      };
      collect(checker, rest ? (checker.getIndexTypeOfType(type, ts.IndexKind.Number) ?? type) : type, out);
      if (optional) out.kinds.add('undefined');
      return {
        name: p.getName(),
        optional,
        rest,
        kinds: out.any ? 'any' : [...out.kinds],
        shapes: out.shapes,
        literals: out.literals.length && !out.openString ? out.literals : null,
        props: [...out.props].filter((n) => !n.startsWith('__@')),
      };
    }),
  };
}

/** @type {{ roots: string[], program: ts.Program } | undefined} */
let shared;

/**
 * Parse these declaration files together, once (the corpus over several entries of one package
 * then pays for TypeScript's lib and node types one time).
 * @param {string[]} dtsPaths
 */
export function preloadSignatures(dtsPaths) {
  shared = { roots: dtsPaths, program: createProgram(dtsPaths) };
}

/** @param {string[]} roots */
function createProgram(roots) {
  return ts.createProgram(roots, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts', 'lib.esnext.disposable.d.ts'],
    types: ['node'],
    skipLibCheck: true,
    noEmit: true,
  });
}

/**
 * The exports of a package entry as its declaration file states them: for each runtime export,
 * its call and construct signatures and, for a class, its instance methods.
 * @param {string} dtsPath
 * @returns {Map<string, ExportInfo>}
 */
export function readSignatures(dtsPath) {
  const program = shared?.roots.includes(dtsPath) ? shared.program : createProgram([dtsPath]);
  const checker = program.getTypeChecker();
  const sf = program.getSourceFile(dtsPath);
  if (!sf) throw new Error(`no declaration file ${dtsPath}`);
  const mod = checker.getSymbolAtLocation(sf);
  /** @type {Map<string, ExportInfo>} */
  const out = new Map();
  if (!mod) return out;
  for (const sym of checker.getExportsOfModule(mod)) {
    const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
    if (!(target.flags & ts.SymbolFlags.Value)) continue; // types only
    const name = sym.getName();
    const type = checker.getTypeOfSymbolAtLocation(target, sf);
    /** @type {ExportInfo} */
    const info = {
      name,
      kind: 'value',
      calls: [],
      constructs: [],
      methods: {},
      statics: {},
      internal: new Set(),
    };
    info.calls = type.getCallSignatures().map((s) => describeSignature(checker, s, sf));
    info.constructs = type.getConstructSignatures().map((s) => describeSignature(checker, s, sf));
    if (target.flags & ts.SymbolFlags.Class) {
      info.kind = 'class';
      const instance = checker.getDeclaredTypeOfSymbol(target);
      for (const p of checker.getPropertiesOfType(instance)) {
        if (
          p.getJsDocTags(checker).some((t) => t.name === 'internal') ||
          p.declarations?.some((d) => hidden(d))
        )
          info.internal.add(p.getName());
        const pt = checker.getTypeOfSymbolAtLocation(p, sf);
        const sigs = pt.getCallSignatures();
        if (sigs.length && p.flags & ts.SymbolFlags.Method)
          info.methods[p.getName()] = sigs.map((s) => describeSignature(checker, s, sf));
      }
      for (const p of checker.getPropertiesOfType(type)) {
        const sigs = checker.getTypeOfSymbolAtLocation(p, sf).getCallSignatures();
        if (sigs.length && p.getName() !== 'prototype')
          info.statics[p.getName()] = sigs.map((s) => describeSignature(checker, s, sf));
      }
    } else if (info.calls.length) info.kind = 'function';
    else
      for (const p of checker.getPropertiesOfType(type)) {
        const sigs = checker.getTypeOfSymbolAtLocation(p, sf).getCallSignatures();
        if (sigs.length) info.statics[p.getName()] = sigs.map((s) => describeSignature(checker, s, sf));
      }
    out.set(name, info);
  }
  return out;
}

export { ALL };
