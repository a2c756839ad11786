import { EventBus } from '../../server/events/event-bus.js';
import { StudioStore } from '../../server/store/studio-store.js';
import { initWorkspace } from '../../server/store/workspace.js';
import { recordEvents } from '../helpers/bus-recorder.js';
import { tempRepo } from '../helpers/temp-repo.js';

/** A real temp git repo with an initialised workspace, a store watching it, and an event recorder. */
export async function openWatchedStore() {
  const root = await tempRepo();
  await initWorkspace(root, 'main');
  const bus = new EventBus();
  const store = await StudioStore.open(root, bus);
  await store.watch();
  const rec = recordEvents(bus);
  return { root, bus, store, rec, paths: store.paths };
}
