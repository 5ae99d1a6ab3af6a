// The Go module proxy here refuses every version of github.com/osscontainertools/kaniko, which
// lifecycle v0.21.17 imports only for the extender phase (applying Dockerfiles of image
// extensions, and only inside a container). scripts/tools builds the lifecycle with this module
// in kaniko's place: detector, builder and launcher are untouched, and the extender fails with
// a clear error if anything ever calls it.
module github.com/osscontainertools/kaniko

go 1.25

require github.com/google/go-containerregistry v0.21.9
