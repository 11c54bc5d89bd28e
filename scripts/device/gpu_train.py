"""A small PyTorch training loop on the GPU that logs through Lathe's client, twice: once reading the loss on the
loop's thread (`loss.item()`, which waits for the GPU at every call), once passing the CUDA tensor itself (the client
reads it in its background flush). Prints both times; the metrics file gets both series."""
import time

import lathe
import torch

p = lathe.params()
steps = int(p.get("steps", 1000))
dev = torch.device("cuda")
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4096, 4096), torch.nn.ReLU(), torch.nn.Linear(4096, 10)).to(dev)
opt = torch.optim.SGD(model.parameters(), lr=0.01)
x = torch.randn(4096, 4096, device=dev)
y = torch.randint(0, 10, (4096,), device=dev)
lathe.log_params({"steps": steps, "device": torch.cuda.get_device_name(0)})


def train(name, read_on_loop):
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for step in range(steps):
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        lathe.log_metric(name, loss.item() if read_on_loop else loss, step=step)
    torch.cuda.synchronize()
    return time.perf_counter() - t0, loss.item()


train("warmup", False)
a, la = train("loss_item", True)
b, lb = train("loss_tensor", False)
lathe.flush()
torch.save(model.state_dict(), "/tmp/gpu_model.pt")
lathe.log_artifact("/tmp/gpu_model.pt")
print(f"{steps} steps, a metric every step, on {torch.cuda.get_device_name(0)}:")
print(f"  loss.item() on the loop: {a:.3f} s ({steps / a:.0f} steps/s), final loss {la:.4f}")
print(f"  the tensor to lathe:     {b:.3f} s ({steps / b:.0f} steps/s), final loss {lb:.4f}")
