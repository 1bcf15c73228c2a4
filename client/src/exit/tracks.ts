/**
 * Every camera and microphone track this page opens, wherever it lives (the pre-join preview, the room, a clone
 * for the ambient check), so the quick exit can stop them all at once without asking each model. `watchTracks()`
 * runs once, before any model asks for media; it wraps the browser's own getUserMedia and the track clones.
 */
const live = new Set<MediaStreamTrack>();
let watching = false;

function remember<T extends MediaStreamTrack>(track: T): T {
  for (const t of live) if (t.readyState === 'ended') live.delete(t);
  live.add(track);
  return track;
}

export function watchTracks(): void {
  if (watching || typeof navigator === 'undefined' || !navigator.mediaDevices) return;
  watching = true;
  const devices = navigator.mediaDevices;
  const getUserMedia = devices.getUserMedia.bind(devices);
  devices.getUserMedia = async (constraints) => {
    const stream = await getUserMedia(constraints);
    stream.getTracks().forEach(remember);
    return stream;
  };
  const cloneTrack = MediaStreamTrack.prototype.clone;
  MediaStreamTrack.prototype.clone = function clone(this: MediaStreamTrack) {
    return remember(cloneTrack.call(this));
  };
  const cloneStream = MediaStream.prototype.clone;
  MediaStream.prototype.clone = function clone(this: MediaStream) {
    const copy = cloneStream.call(this);
    copy.getTracks().forEach(remember);
    return copy;
  };
}

/** Stops every track the page still holds (camera and microphone lights go off); returns how many. */
export function stopAllTracks(): number {
  const n = live.size;
  for (const t of live) t.stop();
  live.clear();
  return n;
}
