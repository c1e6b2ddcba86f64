"""BuildKit through the Engine: the session the Engine calls back, and the build it runs.

``docker build`` with BuildKit talks to the Engine in two requests. ``POST /session`` is
hijacked to HTTP/2 (h2c), on which the *client* serves gRPC: the Engine calls back for the
build context and the Dockerfile (``moby.filesync.v1.FileSync/DiffCopy``), registry
credentials (``moby.filesync.v1.Auth``) and health checks. ``POST /build?version=2&session=…``
then runs the build and streams JSON messages whose ``moby.buildkit.trace`` aux values are
BuildKit ``StatusResponse`` protobufs.

Modules: ``wire`` (the protobuf messages, written from BuildKit's .proto field numbers),
``grpc`` (a gRPC server over one HTTP/2 connection, with the ``h2`` library), ``filesync``
(the fsutil packet stream a directory is sent as), ``session`` (the hijacked connection and
the services on it) and ``solve`` (the build request and its decoded status stream).
Engine layer: nothing here prints.
"""
