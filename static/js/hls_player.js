// Streaming: a video with data-hls-src plays its HLS renditions (the player picks the size
// the connection allows), natively where the browser has HLS (Safari) and through hls.js
// (static/vendor, pinned from the npm registry) where it has Media Source Extensions. Without
// either, or when the stream fails, the <source> MP4 plays as before.
(function () {
  "use strict";

  const video = document.querySelector("video[data-hls-src]");
  if (!video) return;
  const source = video.dataset.hlsSrc;
  // The page asks for no preload when a stream exists, so the plain file is not fetched
  // first; once the stream is in place, its metadata (length, first frame) may load.
  if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = source;
    video.preload = "metadata";
    video.dataset.hlsActive = "native";
    return;
  }
  if (!window.Hls || !window.Hls.isSupported()) return;
  // No web worker: the site's Content-Security-Policy allows none.
  const hls = new window.Hls({ enableWorker: false, startPosition: Number(video.dataset.startAt || -1) });
  hls.on(window.Hls.Events.ERROR, function (event, data) {
    if (!data.fatal) return;
    // Give the viewer the plain file rather than a stalled stream.
    hls.destroy();
    const fallback = video.querySelector("source");
    if (fallback) {
      video.src = fallback.src;
      video.load();
    }
  });
  hls.loadSource(source);
  hls.attachMedia(video);
  video.dataset.hlsActive = "hls.js";
})();
