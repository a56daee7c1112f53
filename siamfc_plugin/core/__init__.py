"""The tracking algorithms, knowing no toolkit: SiamFC (config, crops, network, tracker, checkpoints, weights import,
metrics, frame_loop: the one per-frame loop) and the OpenCV peers it is compared with (peers)."""
