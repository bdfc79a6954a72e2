# The container image `ganbench sweep FILE --k8s` runs (docs/clusters.md): this checkout at /ganbench
# (the manifest's workingDir) with its dependencies; the pod runs `node packages/cli/bin/ganbench.js trial …`.
#   docker build -t registry.example.org/ganbench:1 . && docker push registry.example.org/ganbench:1
# For GPUs, either --backend webgpu (the Vulkan loader below; the NVIDIA container toolkit mounts the driver), or
# start from an image with CUDA and install the optional tensorflow-gpu backend (docs/backends.md).
FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libvulkan1 libegl1 libgles2 libegl-mesa0 && rm -rf /var/lib/apt/lists/*
WORKDIR /ganbench
COPY . .
RUN npx --yes pnpm@10.34.8 install --frozen-lockfile
