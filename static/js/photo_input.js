// A photo field's input (formtemplates.values_form.PhotoInput): when photos are chosen, shows their thumbnails
// before they are sent, and asks the browser for its position, which the server draws on the photos
// (the hidden inputs stay empty when the position is refused or unknown: "no position").
(function () {
  if (window.fieldloopPhotoInput) return;
  window.fieldloopPhotoInput = true;

  function preview(input, box) {
    box.querySelectorAll("img").forEach(function (img) { URL.revokeObjectURL(img.src); });
    box.replaceChildren();
    Array.from(input.files || []).forEach(function (file) {
      if (!file.type.startsWith("image/")) return;
      var img = document.createElement("img");
      img.src = URL.createObjectURL(file);
      img.alt = file.name;
      img.title = file.name;
      box.appendChild(img);
    });
  }

  function locate(root) {
    if (!navigator.geolocation) return;
    navigator.geolocation.getCurrentPosition(function (position) {
      var values = {
        latitude: position.coords.latitude,
        longitude: position.coords.longitude,
        accuracy: position.coords.accuracy,
      };
      root.querySelectorAll("[data-photo-position]").forEach(function (hidden) {
        hidden.value = values[hidden.dataset.photoPosition];
      });
    }, function () {}, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  // A form reset (the outbox resets a form it kept on the phone) empties the file inputs without a change
  // event: clear their thumbnails and the position taken for them too. The reset event comes before the
  // reset itself, hence the next tick.
  document.addEventListener("reset", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    setTimeout(function () {
      form.querySelectorAll("[data-photo-input]").forEach(function (root) {
        var box = root.querySelector("[data-photo-preview]");
        if (box) preview({ files: [] }, box);
        root.querySelectorAll("[data-photo-position]").forEach(function (hidden) { hidden.value = ""; });
      });
    }, 0);
  });

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file") return;
    var root = input.closest("[data-photo-input]");
    if (!root) return;
    preview(input, root.querySelector("[data-photo-preview]"));
    if (input.files && input.files.length) locate(root);
  });
})();
