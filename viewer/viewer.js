// CityTwin scene package viewer: OGC 3D Tiles in CesiumJS, offline.
//
// Loaded before Cesium/Cesium.js (see index.html): it installs the error hooks first, so
// a failure while CesiumJS itself loads is recorded, and tells CesiumJS where its
// workers and assets are. Nothing here touches the network beyond this package's own
// folder: no Cesium ion, no base imagery, no geocoder.
//
// Test hook: window.citytwin = {ready, tilesLoaded, allTilesLoaded, tileFailures, errors,
// fatal, frames, clicks, lastPick, manifest, afterFrames(n), windowPosition(lon, lat, h)}
// (read by tools/cesium_check.mjs).
"use strict";

(function () {
  const params = new URLSearchParams(window.location.search);
  const TILESET_URL = params.get("tileset") || "tileset.json";
  const MANIFEST_URL = "manifest.json";
  const DEFAULT_POINT_SIZE = 3;

  const hook = {
    ready: false, // the viewer exists and the tileset is added and framed
    tilesLoaded: false, // the tileset's initialTilesLoaded (or allTilesLoaded) fired
    allTilesLoaded: false,
    tileFailures: [], // {url, message} per tileFailed event
    errors: [], // uncaught errors, unhandled rejections, render errors, resources that failed to load
    fatal: null, // why the viewer could not start (also in errors)
    frames: 0, // frames rendered so far
    clicks: 0, // clicks handled by the picker
    lastPick: null, // what the last click picked (as shown in the side panel), null for nothing
    manifest: null,
    cesiumVersion: null,
    viewer: null,
    tileset: null,
    afterFrames: null, // (n) => Promise resolved after n more rendered frames
    windowPosition: null, // (longitude, latitude, height) => {x, y} CSS pixels in the view, or null
  };
  window.citytwin = hook;

  // CesiumJS finds its workers and assets from this (an absolute URL: workers resolve against it).
  window.CESIUM_BASE_URL = new URL("Cesium/", document.baseURI).href;

  function setStatus(text, isError) {
    const element = document.getElementById("status");
    if (!element) {
      return;
    }
    element.textContent = text;
    element.classList.toggle("error", Boolean(isError));
  }

  function recordError(message) {
    hook.errors.push(String(message));
    setStatus(String(message), true);
  }

  function fail(message) {
    hook.fatal = String(message);
    recordError(message);
    document.body.classList.add("fatal");
  }

  function errorText(error) {
    if (error === undefined || error === null) {
      return String(error);
    }
    if (error instanceof Error) {
      return `${error.name}: ${error.message}`;
    }
    if (typeof error === "object" && "message" in error) {
      return String(error.message);
    }
    return String(error);
  }

  // Capture phase: also catches <script>/<link> elements whose file failed to load,
  // which do not bubble to window.onerror.
  window.addEventListener(
    "error",
    (event) => {
      const target = event.target;
      if (target && target !== window && (target.src || target.href)) {
        recordError(`failed to load ${target.src || target.href}`);
        return;
      }
      const where = event.filename ? ` (${event.filename}:${event.lineno})` : "";
      recordError(`${event.error ? errorText(event.error) : event.message}${where}`);
    },
    true,
  );
  window.addEventListener("unhandledrejection", (event) => {
    recordError(`unhandled rejection: ${errorText(event.reason)}`);
  });

  function formatValue(value) {
    if (value === undefined || value === null) {
      return "";
    }
    if (typeof value === "number") {
      return Number.isInteger(value) ? String(value) : value.toPrecision(8).replace(/\.?0+$/, "");
    }
    if (typeof value === "object") {
      try {
        return JSON.stringify(ArrayBuffer.isView(value) ? Array.from(value) : value);
      } catch (error) {
        return String(value);
      }
    }
    return String(value);
  }

  async function loadManifest() {
    // The manifest is optional: without it the title bar keeps its generic text.
    let manifest;
    try {
      const response = await fetch(MANIFEST_URL, { cache: "no-cache" });
      if (!response.ok) {
        return;
      }
      manifest = await response.json();
    } catch (error) {
      console.warn(`CityTwin: ${MANIFEST_URL} not read: ${errorText(error)}`);
      return;
    }
    hook.manifest = manifest;
    const title = manifest && manifest.title ? String(manifest.title) : null;
    if (title) {
      document.getElementById("title").textContent = title;
      document.title = `${title} · CityTwin`;
    }
    const parts = [];
    const authority = manifest && manifest.crs && manifest.crs.authority;
    if (authority) {
      parts.push(`CRS · 坐标系: ${authority}`);
    }
    if (manifest && manifest.created) {
      parts.push(`created · 创建: ${manifest.created}`);
    }
    document.getElementById("subtitle").textContent = parts.join("  ·  ");
  }

  function showPick(pick) {
    const body = document.querySelector("#pick-table tbody");
    body.replaceChildren();
    const rows = [];
    if (!pick) {
      document.getElementById("pick-hint").textContent = "Nothing here · 此处无对象";
      return;
    }
    document.getElementById("pick-hint").textContent = pick.feature
      ? "Feature · 要素"
      : "Position (WGS 84) · 位置 (WGS 84)";
    for (const [name, value] of Object.entries(pick.properties)) {
      rows.push([name, formatValue(value)]);
    }
    if (pick.position) {
      rows.push(["longitude · 经度 (°)", pick.position.longitude.toFixed(7)]);
      rows.push(["latitude · 纬度 (°)", pick.position.latitude.toFixed(7)]);
      rows.push(["ellipsoidal height · 椭球高 (m)", pick.position.height.toFixed(2)]);
    }
    if (pick.tile) {
      rows.push(["tile · 瓦片", pick.tile]);
    }
    for (const [name, value] of rows) {
      const row = body.insertRow();
      const header = document.createElement("th");
      header.textContent = name;
      row.appendChild(header);
      row.insertCell().textContent = value;
    }
  }

  function start() {
    if (window.location.protocol === "file:") {
      // Browsers refuse fetch() and web workers on file:// pages, so CesiumJS cannot load tiles.
      fail(
        "Open this page through a web server, not as a file: run `python3 serve.py` in the package folder " +
          "(see README.txt). · 请通过网页服务器打开：在场景包文件夹中运行 python3 serve.py（见 README.txt）。",
      );
      return;
    }
    if (typeof window.Cesium === "undefined") {
      fail("CesiumJS did not load (Cesium/Cesium.js is missing from this package) · CesiumJS 未能加载");
      return;
    }
    const Cesium = window.Cesium;
    hook.cesiumVersion = Cesium.VERSION;
    // No Cesium ion: nothing in this viewer may ask ion (or any other server) for data.
    Cesium.Ion.defaultAccessToken = undefined;
    loadManifest();

    const viewer = new Cesium.Viewer("cesium", {
      baseLayer: false,
      baseLayerPicker: false,
      geocoder: false,
      timeline: false,
      animation: false,
      sceneModePicker: false,
      navigationHelpButton: false,
      infoBox: false,
      selectionIndicator: false,
      fullscreenButton: true,
      homeButton: true,
      skyBox: false,
      skyAtmosphere: false,
      shouldAnimate: false,
      // A static scene: render only when something changes (camera, tiles), not 60 times a second.
      requestRenderMode: true,
      maximumRenderTimeChange: Infinity,
    });
    hook.viewer = viewer;
    const scene = viewer.scene;
    scene.globe.show = false;
    scene.globe.showGroundAtmosphere = false;
    scene.fog.enabled = false;
    // skyBox: false already leaves out the sun and moon in current CesiumJS; older builds made them.
    for (const body of [scene.sun, scene.moon]) {
      if (body) {
        body.show = false;
      }
    }
    scene.backgroundColor = Cesium.Color.fromCssColorString("#1e2228");

    scene.postRender.addEventListener(() => {
      hook.frames += 1;
    });
    scene.renderError.addEventListener((_scene, error) => {
      recordError(`render error: ${errorText(error)}`);
    });
    hook.afterFrames = (count) =>
      new Promise((resolve) => {
        let seen = 0;
        const remove = scene.postRender.addEventListener(() => {
          seen += 1;
          if (seen >= count) {
            remove();
            resolve(hook.frames);
          } else {
            scene.requestRender();
          }
        });
        scene.requestRender();
      });

    hook.windowPosition = (longitude, latitude, height) => {
      const world = Cesium.Cartesian3.fromDegrees(longitude, latitude, height);
      const position = Cesium.SceneTransforms.worldToWindowCoordinates(scene, world);
      return position ? { x: position.x, y: position.y } : null;
    };

    setupControls(Cesium, viewer);
    setupPicking(Cesium, viewer);
    loadTileset(Cesium, viewer).catch((error) => fail(`cannot show ${TILESET_URL}: ${errorText(error)}`));
  }

  async function loadTileset(Cesium, viewer) {
    let tileset;
    try {
      tileset = await Cesium.Cesium3DTileset.fromUrl(TILESET_URL);
    } catch (error) {
      fail(`cannot load ${TILESET_URL}: ${errorText(error)} · 无法加载场景`);
      return;
    }
    tileset.tileFailed.addEventListener((event) => {
      hook.tileFailures.push({ url: String(event.url), message: errorText(event.message) });
      setStatus(`tile failed · 瓦片加载失败: ${event.url}: ${errorText(event.message)}`, true);
    });
    tileset.initialTilesLoaded.addEventListener(() => {
      hook.tilesLoaded = true;
      if (!hook.errors.length && !hook.tileFailures.length) {
        setStatus("");
      }
    });
    tileset.allTilesLoaded.addEventListener(() => {
      hook.allTilesLoaded = true;
      hook.tilesLoaded = true;
    });
    hook.tileset = tileset;
    viewer.scene.primitives.add(tileset);
    setPointSize(Cesium, tileset, Number(document.getElementById("point-size").value) || DEFAULT_POINT_SIZE);
    await zoomToScene(Cesium, viewer);
    hook.ready = true;
  }

  function zoomToScene(Cesium, viewer) {
    if (!hook.tileset) {
      return Promise.resolve(false);
    }
    // Looking down at 45°, from the north-south axis: how a city is usually first shown.
    return viewer.zoomTo(hook.tileset, new Cesium.HeadingPitchRange(0.0, Cesium.Math.toRadians(-45.0), 0.0));
  }

  function setPointSize(Cesium, tileset, size) {
    // pointSize only applies to point primitives; meshes (buildings, terrain) keep their colours.
    tileset.style = new Cesium.Cesium3DTileStyle({ pointSize: size });
  }

  function setupControls(Cesium, viewer) {
    const scene = viewer.scene;
    const sizeInput = document.getElementById("point-size");
    const sizeOutput = document.getElementById("point-size-value");
    sizeInput.addEventListener("input", () => {
      sizeOutput.textContent = sizeInput.value;
      if (hook.tileset) {
        setPointSize(Cesium, hook.tileset, Number(sizeInput.value));
        scene.requestRender();
      }
    });

    document.getElementById("zoom-home").addEventListener("click", () => zoomToScene(Cesium, viewer));
    // The home button flies to the scene, not to a view of the whole Earth.
    viewer.homeButton.viewModel.command.beforeExecute.addEventListener((event) => {
      event.cancel = true;
      zoomToScene(Cesium, viewer);
    });

    let imageryAdded = false;
    const globeBox = document.getElementById("show-globe");
    const showGlobe = (show) => {
      if (show && !imageryAdded) {
        imageryAdded = true;
        // Natural Earth II ships inside CesiumJS (Assets/Textures): a coarse but offline base map.
        const layer = Cesium.ImageryLayer.fromProviderAsync(
          Cesium.TileMapServiceImageryProvider.fromUrl(Cesium.buildModuleUrl("Assets/Textures/NaturalEarthII")),
        );
        layer.errorEvent.addEventListener((error) => recordError(`base map: ${errorText(error)}`));
        viewer.imageryLayers.add(layer);
      }
      scene.globe.show = show;
      scene.requestRender();
    };
    globeBox.addEventListener("change", () => showGlobe(globeBox.checked));
    if (params.get("globe") === "1") {
      globeBox.checked = true;
      showGlobe(true);
    }
  }

  function setupPicking(Cesium, viewer) {
    const scene = viewer.scene;
    // The Viewer's own click handlers select entities for its info box, which is off.
    const widgetHandler = viewer.cesiumWidget.screenSpaceEventHandler;
    widgetHandler.removeInputAction(Cesium.ScreenSpaceEventType.LEFT_CLICK);
    widgetHandler.removeInputAction(Cesium.ScreenSpaceEventType.LEFT_DOUBLE_CLICK);

    let highlighted = null;
    const unhighlight = () => {
      if (highlighted) {
        highlighted.feature.color = highlighted.color;
        highlighted = null;
      }
    };

    const describe = (windowPosition) => {
      const picked = scene.pick(windowPosition);
      if (!Cesium.defined(picked)) {
        return null;
      }
      const pick = { feature: false, properties: {}, position: null, tile: null };
      if (picked instanceof Cesium.Cesium3DTileFeature) {
        pick.feature = true;
        // Schema identifiers are ASCII (名称 becomes field_2): show the field's own name,
        // kept in the schema's "name" (from the manifest) when there is one.
        const schema = hook.manifest && hook.manifest.layers && hook.manifest.layers.buildings
          && hook.manifest.layers.buildings.schema;
        const props = schema && schema.classes && schema.classes.building && schema.classes.building.properties;
        for (const id of picked.getPropertyIds()) {
          const label = props && props[id] && props[id].name ? String(props[id].name) : id;
          pick.properties[label] = picked.getProperty(id);
        }
        highlighted = { feature: picked, color: Cesium.Color.clone(picked.color) };
        picked.color = Cesium.Color.YELLOW;
      }
      if (picked.content && picked.content.url) {
        pick.tile = String(picked.content.url).replace(window.location.href.replace(/[^/]*$/, ""), "");
      }
      const cartesian = scene.pickPositionSupported ? scene.pickPosition(windowPosition) : undefined;
      if (Cesium.defined(cartesian)) {
        const cartographic = Cesium.Cartographic.fromCartesian(cartesian);
        if (cartographic) {
          pick.position = {
            longitude: Cesium.Math.toDegrees(cartographic.longitude),
            latitude: Cesium.Math.toDegrees(cartographic.latitude),
            height: cartographic.height,
          };
        }
      }
      return pick;
    };

    const handler = new Cesium.ScreenSpaceEventHandler(scene.canvas);
    handler.setInputAction((click) => {
      try {
        unhighlight();
        const pick = describe(click.position);
        hook.lastPick = pick;
        hook.clicks += 1;
        showPick(pick);
        scene.requestRender();
      } catch (error) {
        recordError(`pick failed: ${errorText(error)}`);
      }
    }, Cesium.ScreenSpaceEventType.LEFT_CLICK);
  }

  document.addEventListener("DOMContentLoaded", () => {
    try {
      start();
    } catch (error) {
      fail(`viewer failed to start: ${errorText(error)}`);
    }
  });
})();
