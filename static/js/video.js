// A show's video is loaded only when the spectator asks for it: until the click, the page
// holds a plain link and no request goes to the video host. Then the link becomes the
// host's player (an iframe with autoplay); a link we cannot embed simply opens.
for (const box of document.querySelectorAll("[data-video][data-embed]")) {
  const link = box.querySelector("a");
  link.addEventListener("click", (event) => {
    event.preventDefault();
    const frame = document.createElement("iframe");
    frame.src = box.dataset.embed;
    frame.title = box.dataset.title || "";
    frame.allow = "autoplay; encrypted-media; picture-in-picture; fullscreen";
    frame.referrerPolicy = "strict-origin-when-cross-origin";
    frame.loading = "eager";
    box.replaceChildren(frame);
    frame.focus();
  });
}
