/**
 * CodeMirror 6, loaded only when a runbook is opened (its own chunk, so the first screen stays
 * small). Highlighting through the legacy stream modes for shell, Python, JavaScript and
 * PowerShell: one small package for the four runbook types.
 */
import { EditorState, type Extension } from '@codemirror/state';
import { EditorView, keymap, lineNumbers, highlightActiveLine, drawSelection } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { StreamLanguage, syntaxHighlighting, defaultHighlightStyle, bracketMatching, indentOnInput } from '@codemirror/language';
import { shell } from '@codemirror/legacy-modes/mode/shell';
import { python } from '@codemirror/legacy-modes/mode/python';
import { javascript } from '@codemirror/legacy-modes/mode/javascript';
import { powerShell } from '@codemirror/legacy-modes/mode/powershell';
import { MergeView } from '@codemirror/merge';

const LANGUAGES: Record<string, Extension> = {
  bash: StreamLanguage.define(shell),
  python3: StreamLanguage.define(python),
  node: StreamLanguage.define(javascript),
  pwsh: StreamLanguage.define(powerShell),
};

/** The page's style nonce (functions/ui.ts puts it in a meta tag; the CSP allows that one only). */
const nonce = document.querySelector<HTMLMetaElement>('meta[name="hookbook-style-nonce"]')?.content ?? '';

const base = (type: string): Extension[] => [
  EditorView.cspNonce.of(nonce),
  lineNumbers(),
  drawSelection(),
  highlightActiveLine(),
  bracketMatching(),
  indentOnInput(),
  syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
  LANGUAGES[type] ?? [],
  EditorView.theme({ '&': { fontSize: '13px' } }),
];

export function createEditor(
  parent: HTMLElement,
  doc: string,
  type: string,
  opts: { readOnly: boolean; onChange: (text: string) => void },
): { view: EditorView; set: (text: string) => void } {
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        ...base(type),
        history(),
        // Tab indents; Escape then Tab leaves the editor (CodeMirror's documented keyboard escape hatch).
        keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
        EditorState.readOnly.of(opts.readOnly),
        EditorView.contentAttributes.of({ 'aria-label': 'Runbook script' }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) opts.onChange(u.state.doc.toString());
        }),
      ],
    }),
  });
  return {
    view,
    set: (text: string) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
  };
}

/** Published (left) against draft (right), changed lines marked. */
export function createDiff(parent: HTMLElement, published: string, draft: string, type: string): MergeView {
  const ro = [...base(type), EditorState.readOnly.of(true), EditorView.editable.of(false)];
  return new MergeView({
    parent,
    a: { doc: published, extensions: ro },
    b: { doc: draft, extensions: ro },
    collapseUnchanged: { margin: 3, minSize: 6 },
  });
}
