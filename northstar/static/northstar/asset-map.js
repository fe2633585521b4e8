// The asset map: borough boundaries as the base layer (no tile server needed), one marker per
// asset coloured by theme, hollow and dashed when in the pipeline, dotted when its position is
// only its borough's centre. The filter form updates the map, the counts, the legend, the list
// link and the address (so a filtered view can be shared) in place.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("map-config").textContent);
  const element = document.getElementById("asset-map");
  const status = document.getElementById("map-status");
  const listLink = document.getElementById("map-list-link");
  const form = document.querySelector("form.ns-filters");

  // zoomSnap below 1 lets the city region fill the frame instead of the nearest whole zoom level.
  const map = L.map(element, { preferCanvas: false, zoomSnap: 0.25 }).setView(config.centre, 10);
  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: 18 }).addTo(map);
  }

  // Boundaries, then borough names, then markers (Leaflet's overlay pane, z-index 400): a name is
  // never washed out by a boundary's fill, and never hides or catches a marker.
  map.createPane("ns-boundaries").style.zIndex = 350;
  map.createPane("ns-labels").style.zIndex = 375;
  const boundaryLayer = L.geoJSON(
    {
      type: "FeatureCollection",
      features: config.boundaries.map((b) => ({
        type: "Feature",
        properties: { name: b.name, code: b.code },
        geometry: b.geometry,
      })),
    },
    {
      style: { color: "#505a5f", weight: 1.5, fillColor: "#f3f2f1", fillOpacity: 0.6, className: "ns-boundary" },
      interactive: false,
      pane: "ns-boundaries",
    }
  ).addTo(map);
  boundaryLayer.eachLayer((layer) =>
    layer.bindTooltip(layer.feature.properties.name, {
      permanent: true,
      direction: "center",
      className: "ns-boundary-label",
      pane: "ns-labels",
    })
  );
  // Names only once there is room for them: zoomed out (a phone), they would cover each other.
  const showLabels = () => element.classList.toggle("ns-map--labelled", map.getZoom() >= 9.75);
  map.on("zoomend", showLabels);
  const markers = L.featureGroup().addTo(map);
  let fitted = config.boundaries.length > 0;

  function escapeHtml(text) {
    const div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  function markerFor(feature) {
    const p = feature.properties;
    const [lon, lat] = feature.geometry.coordinates;
    const pipeline = p.status === "pipeline";
    const marker = L.circleMarker([lat, lon], {
      radius: 7,
      color: pipeline ? p.colour : "#0b0c0c",
      weight: pipeline ? 3 : 1.5,
      dashArray: p.position_approximate ? "2 3" : pipeline ? "4 3" : null,
      fillColor: p.colour,
      fillOpacity: pipeline ? 0.15 : 0.9,
      className: `ns-marker ns-marker--${p.theme} ns-marker--${p.status}`,
    });
    marker.bindPopup(
      `<strong><a class="govuk-link" href="${escapeHtml(p.url)}">${escapeHtml(p.number + ". " + p.title)}</a></strong><br>` +
        `${escapeHtml(p.theme_name)} · ${pipeline ? "Pipeline" : "Existing"}<br>${escapeHtml(p.borough)}` +
        (p.position_approximate ? "<br><em>Position not known: shown at the area's centre</em>" : "")
    );
    return marker;
  }

  // Rows in the same order as the page first drew them: themes in their own order, boroughs as
  // the filter lists them (boroughs, then offshore, outside and region-wide).
  function ranked(labels) {
    return (a, b) => {
      const ra = labels.indexOf(a[0]);
      const rb = labels.indexOf(b[0]);
      if (ra !== rb) return (ra < 0 ? Infinity : ra) - (rb < 0 ? Infinity : rb);
      return a[0].localeCompare(b[0]);
    };
  }

  function fillTable(id, entries) {
    const body = document.querySelector(`#${id} tbody`);
    body.replaceChildren();
    for (const [label, count] of entries) {
      const row = body.insertRow();
      row.className = "govuk-table__row";
      const th = document.createElement("th");
      th.scope = "row";
      th.className = "govuk-table__header";
      th.textContent = label;
      row.appendChild(th);
      const td = row.insertCell();
      td.className = "govuk-table__cell govuk-table__cell--numeric";
      td.textContent = count;
    }
  }

  function renderCounts(features) {
    const byTheme = new Map();
    const byBorough = new Map();
    const themeCodes = new Set();
    for (const f of features) {
      byTheme.set(f.properties.theme_name, (byTheme.get(f.properties.theme_name) || 0) + 1);
      byBorough.set(f.properties.borough, (byBorough.get(f.properties.borough) || 0) + 1);
      themeCodes.add(f.properties.theme);
    }
    const themeOrder = config.themes.map((t) => t.name);
    const boroughSelect = form && form.elements.namedItem("borough");
    const boroughOrder = boroughSelect ? [...boroughSelect.options].map((o) => o.text.trim()) : [];
    fillTable("theme-counts", [...byTheme.entries()].sort(ranked(themeOrder)));
    fillTable("borough-counts", [...byBorough.entries()].sort(ranked(boroughOrder)));
    // The legend keys only the themes on the map; the symbol keys (pipeline, approximate) stay.
    for (const item of document.querySelectorAll("#map-legend [data-theme]")) {
      item.hidden = !themeCodes.has(item.dataset.theme);
    }
    document.getElementById("map-count").textContent = features.length;
    document.getElementById("map-count-plural").textContent = features.length === 1 ? "" : "s";
  }

  let pending = null;

  async function load(query) {
    if (pending) pending.abort(); // a newer filter wins over a slower, older answer
    const controller = new AbortController();
    pending = controller;
    element.setAttribute("aria-busy", "true");
    let data;
    try {
      const response = await fetch(`${config.geojsonUrl}?${query}`, {
        headers: { Accept: "application/geo+json" },
        signal: controller.signal,
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      data = await response.json();
    } catch (error) {
      if (controller.signal.aborted) return;
      pending = null;
      element.setAttribute("aria-busy", "false");
      status.hidden = false;
      status.textContent = "The map could not load the assets. Reload the page to try again, or use the list of assets.";
      return;
    }
    if (controller.signal.aborted) return;
    pending = null;
    status.hidden = true;
    status.textContent = "";
    markers.clearLayers();
    const placed = data.features.filter((f) => f.geometry);
    for (const feature of placed) markers.addLayer(markerFor(feature));
    if (!fitted && placed.length) {
      // No boundaries to frame the region: frame the first set of markers instead.
      map.fitBounds(markers.getBounds(), { padding: [20, 20], maxZoom: 12 });
      fitted = true;
    }
    renderCounts(placed);
    element.dataset.markerCount = String(placed.length);
    element.setAttribute("aria-busy", "false");
    element.dispatchEvent(new CustomEvent("northstar:map-loaded", { detail: { count: placed.length } }));
  }

  function currentQuery() {
    const params = new URLSearchParams(new FormData(form));
    for (const [key, value] of [...params.entries()]) if (!value) params.delete(key);
    return params.toString();
  }

  if (form) {
    const update = () => {
      const query = currentQuery();
      history.replaceState(null, "", query ? `?${query}` : location.pathname);
      if (listLink) listLink.href = `${listLink.pathname}${query ? `?${query}` : ""}`;
      load(query);
    };
    form.addEventListener("change", update);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      update();
    });
  }
  if (config.boundaries.length) map.fitBounds(boundaryLayer.getBounds(), { padding: [10, 10] });
  showLabels();
  load(form ? currentQuery() : "");
})();
