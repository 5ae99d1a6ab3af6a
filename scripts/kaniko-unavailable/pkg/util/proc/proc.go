package proc

type ContainerRuntime string

const RuntimeNotFound ContainerRuntime = "not-found"

func GetContainerRuntime(int, int) ContainerRuntime { return RuntimeNotFound }
