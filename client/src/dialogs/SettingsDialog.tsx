import { createResource, createSignal, For, Show } from 'solid-js';
import type { ConfigPatch, PhaseModels } from '../../../shared/config.js';
import { api } from '../state/api.js';
import { project, setConfig } from '../state/project.js';
import { attempt, errorText, toast } from '../state/toasts.js';
import { Modal } from '../ui/Modal.js';

const PHASES: Array<{ key: keyof PhaseModels; title: string; hint: string }> = [
  { key: 'planning', title: 'Planning', hint: 'writes the plan' },
  { key: 'implementation', title: 'Implementation', hint: 'builds and fixes' },
  { key: 'review', title: 'Review', hint: 'reviews the diff' },
];

const MODEL_PATTERN = '[^\\/\\s]+\\/\\S+';

export function SettingsDialog(props: { onClose(): void }) {
  const config = project.config;
  const [models, setModels] = createSignal<Record<keyof PhaseModels, string>>({
    planning: config?.models.planning ?? '',
    implementation: config?.models.implementation ?? '',
    review: config?.models.review ?? '',
  });
  const [maxParallel, setMaxParallel] = createSignal(config?.maxParallel ?? 3);
  const [approval, setApproval] = createSignal(config?.requirePlanApproval ?? true);
  const [iterations, setIterations] = createSignal(config?.maxReviewIterations ?? 2);
  const [stallSeconds, setStallSeconds] = createSignal(config?.phaseStallSeconds ?? 300);
  const [timeoutMinutes, setTimeoutMinutes] = createSignal(config?.phaseTimeoutMinutes ?? 60);
  const [mcp, setMcp] = createSignal(config?.mcp ?? false);
  const [permission, setPermission] = createSignal(config?.permission ? JSON.stringify(config.permission, null, 2) : '');
  const [unattended, setUnattended] = createSignal(config?.unattended ?? false);
  const [setup, setSetup] = createSignal((config?.worktreeSetup ?? []).join('\n'));
  const [copy, setCopy] = createSignal((config?.worktreeCopy ?? []).join('\n'));
  const [warmSlots, setWarmSlots] = createSignal(config?.warmSlots ?? 1);
  const [inputs, setInputs] = createSignal((config?.worktreeSetupInputs ?? []).join('\n'));
  const [portLow, setPortLow] = createSignal(config?.portRange[0] ?? 4200);
  const [portHigh, setPortHigh] = createSignal(config?.portRange[1] ?? 4299);
  const [devServer, setDevServer] = createSignal(config?.devServer ?? '');
  const [busy, setBusy] = createSignal(false);
  // OpenCode's provider list; the inputs stay free text, so a model it does not list can still be typed.
  const [offered] = createResource(async () => {
    try {
      return { ids: await api().project.models.query(), error: null };
    } catch (err) {
      return { ids: [] as string[], error: errorText(err) };
    }
  });

  const save = async (e: Event) => {
    e.preventDefault();
    let policy: unknown = null;
    try {
      if (permission().trim()) policy = JSON.parse(permission());
    } catch (err) {
      toast(`Saving the settings failed: permission is not valid JSON (${(err as Error).message})`, 'error');
      return;
    }
    setBusy(true);
    const m = models();
    const patch: ConfigPatch = {
      maxParallel: maxParallel(),
      requirePlanApproval: approval(),
      maxReviewIterations: iterations(),
      phaseStallSeconds: stallSeconds(),
      phaseTimeoutMinutes: timeoutMinutes(),
      mcp: mcp(),
      // The server checks the ruleset and names the field when it is wrong.
      permission: policy as ConfigPatch['permission'],
      unattended: unattended(),
      worktreeSetup: lines(setup()),
      worktreeCopy: lines(copy()),
      warmSlots: warmSlots(),
      worktreeSetupInputs: lines(inputs()),
      portRange: [portLow(), portHigh()],
      devServer: devServer().trim() || null,
      models: {
        planning: m.planning.trim() || null,
        implementation: m.implementation.trim() || null,
        review: m.review.trim() || null,
      },
    };
    // Only what changed: a value the studio needs your trust for is trusted because you set it, not because the panel resent it.
    const changed = Object.fromEntries(
      Object.entries(patch).filter(
        ([key, value]) => JSON.stringify(value) !== JSON.stringify(config?.[key as keyof ConfigPatch]),
      ),
    ) as ConfigPatch;
    const saved = await attempt('Saving the settings failed', () => api().config.update.mutate(changed));
    setBusy(false);
    if (!saved) return;
    setConfig(saved);
    toast('Settings saved');
    props.onClose();
  };

  return (
    <Modal title="Settings" onClose={props.onClose}>
      <form class="form" onSubmit={save}>
        <fieldset class="fieldset">
          <legend>Models per phase</legend>
          <p class="hint">
            As "provider/model", e.g. anthropic/claude-sonnet-4-5. Empty: OpenCode's default model.
            <Show when={offered()?.error}>{(error) => ` (OpenCode's model list is unavailable: ${error()})`}</Show>
            <Show when={offered()?.ids.length}>{(n) => ` ${n()} models offered by OpenCode.`}</Show>
          </p>
          <datalist id="opencode-models">
            <For each={offered()?.ids ?? []}>{(id) => <option value={id} />}</For>
          </datalist>
          <For each={PHASES}>
            {(phase) => (
              <label class="field field-row">
                <span>
                  {phase.title} <small>{phase.hint}</small>
                </span>
                <input
                  name={`model-${phase.key}`}
                  value={models()[phase.key]}
                  list="opencode-models"
                  pattern={MODEL_PATTERN}
                  title='a model is written "provider/model"'
                  placeholder="default"
                  autocomplete="off"
                  spellcheck={false}
                  onInput={(e) => setModels((all) => ({ ...all, [phase.key]: e.currentTarget.value }))}
                />
              </label>
            )}
          </For>
        </fieldset>
        <fieldset class="fieldset">
          <legend>Agent</legend>
          <NumberField
            name="maxParallel"
            label="Max parallel tasks"
            hint="agent runs at once"
            min={1}
            max={32}
            value={maxParallel()}
            onInput={setMaxParallel}
          />
          <NumberField
            name="maxReviewIterations"
            label="Review iterations"
            hint="AI review rounds before a person reviews"
            min={0}
            max={20}
            value={iterations()}
            onInput={setIterations}
          />
          <NumberField
            name="phaseStallSeconds"
            label="Stalled after (s)"
            hint="a phase with no output this long shows as stalled and needs you; 0: never"
            min={0}
            max={86_400}
            value={stallSeconds()}
            onInput={setStallSeconds}
          />
          <NumberField
            name="phaseTimeoutMinutes"
            label="Phase time limit (min)"
            hint="a phase running longer is stopped (phase-timeout); 0: no limit"
            min={0}
            max={1_440}
            step="any"
            value={timeoutMinutes()}
            onInput={setTimeoutMinutes}
          />
          <label class="check">
            <input
              type="checkbox"
              name="requirePlanApproval"
              checked={approval()}
              onChange={(e) => setApproval(e.currentTarget.checked)}
            />
            <span>Plans wait for my approval before the agent implements them</span>
          </label>
          <label class="check">
            <input type="checkbox" name="mcp" checked={mcp()} onChange={(e) => setMcp(e.currentTarget.checked)} />
            <span>The agent may use the board's tools (e.g. split a large task into follow-up tasks)</span>
          </label>
        </fieldset>
        <fieldset class="fieldset">
          <legend>Permissions</legend>
          <label class="field">
            <span>
              What the agent may do without asking <small>OpenCode's "permission" ruleset; empty: OpenCode's own config</small>
            </span>
            <textarea
              name="permission"
              rows={4}
              spellcheck={false}
              placeholder={'{ "edit": "allow", "bash": { "*": "ask", "npm test": "allow" } }'}
              value={permission()}
              onInput={(e) => setPermission(e.currentTarget.value)}
            />
          </label>
          <label class="check">
            <input
              type="checkbox"
              name="unattended"
              checked={unattended()}
              onChange={(e) => setUnattended(e.currentTarget.checked)}
            />
            <span>Unattended: refuse what the agent asks instead of waiting for me</span>
          </label>
        </fieldset>
        <fieldset class="fieldset">
          <legend>New worktrees</legend>
          <LinesField
            name="worktreeSetup"
            label="Setup commands"
            hint="one shell command a line, run in order in each new worktree before its first phase"
            placeholder="npm ci --prefer-offline"
            value={setup()}
            onInput={setSetup}
          />
          <LinesField
            name="worktreeCopy"
            label="Copy untracked files"
            hint="one glob a line, copied from your checkout; never committed"
            placeholder=".env"
            value={copy()}
            onInput={setCopy}
          />
        </fieldset>
        <fieldset class="fieldset">
          <legend>Warm slots and dev server</legend>
          <NumberField
            name="warmSlots"
            label="Warm slots"
            hint="spare worktrees kept set up for an instant Start; each is a full checkout plus what setup installs; 0: off"
            min={0}
            max={8}
            value={warmSlots()}
            onInput={setWarmSlots}
          />
          <LinesField
            name="worktreeSetupInputs"
            label="Setup inputs"
            hint="one file a line; when the base moves, a slot's setup runs again only if one changed (none: always)"
            placeholder="package-lock.json"
            value={inputs()}
            onInput={setInputs}
          />
          <NumberField
            name="portLow"
            label="Ports from"
            hint="each task gets one ($PORT)"
            min={1024}
            max={65535}
            value={portLow()}
            onInput={setPortLow}
          />
          <NumberField
            name="portHigh"
            label="Ports to"
            hint="included"
            min={1024}
            max={65535}
            value={portHigh()}
            onInput={setPortHigh}
          />
          <label class="field">
            <span>
              Dev server <small>run from a task's drawer, in its worktree, with $PORT</small>
            </span>
            <input
              name="devServer"
              value={devServer()}
              placeholder="npm run dev -- --port $PORT"
              spellcheck={false}
              autocomplete="off"
              onInput={(e) => setDevServer(e.currentTarget.value)}
            />
          </label>
          <SlotList />
        </fieldset>
        <Show when={project.info}>
          {(info) => (
            <p class="hint">
              Saved to <code>.opencode-studio/config.json</code> in {info().name} · base branch <code>{config?.baseBranch}</code>
            </p>
          )}
        </Show>
        <div class="form-actions sticky-actions">
          <button type="button" class="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="button primary" disabled={busy()}>
            Save
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** One entry a line; blank lines dropped. */
function lines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

function LinesField(props: {
  name: string;
  label: string;
  hint: string;
  placeholder: string;
  value: string;
  onInput: (value: string) => void;
}) {
  return (
    <label class="field">
      <span>
        {props.label} <small>{props.hint}</small>
      </span>
      <textarea
        name={props.name}
        rows={3}
        spellcheck={false}
        placeholder={props.placeholder}
        value={props.value}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
    </label>
  );
}

function NumberField(props: {
  name: string;
  label: string;
  hint: string;
  min: number;
  max: number;
  /** "any" for fractions; whole numbers by default. */
  step?: string;
  value: number;
  onInput: (value: number) => void;
}) {
  return (
    <label class="field field-row">
      <span>
        {props.label} <small>{props.hint}</small>
      </span>
      <input
        name={props.name}
        type="number"
        min={props.min}
        max={props.max}
        step={props.step}
        value={props.value}
        onInput={(e) => props.onInput(e.currentTarget.valueAsNumber)}
      />
    </label>
  );
}

const SLOT_TEXT = { ready: 'ready', 'setting-up': 'setting up', updating: 'updating', failed: 'failed' } as const;

/** Each warm slot's state; a failed one shows its setup's output. */
function SlotList() {
  const slots = () => project.info?.slots ?? [];
  return (
    <Show when={slots().length > 0}>
      <ul class="slot-list" data-testid="slot-list">
        <For each={slots()}>
          {(slot) => (
            <li data-state={slot.state}>
              <code>{slot.name}</code> {SLOT_TEXT[slot.state]}
              <Show when={slot.state === 'ready' && !slot.warmed}> (OpenCode warms it up once no phase runs)</Show>
              <Show when={slot.output}>{(output) => <pre class="slot-output">{output()}</pre>}</Show>
            </li>
          )}
        </For>
      </ul>
    </Show>
  );
}
