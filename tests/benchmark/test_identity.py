"""The identical-split check: what a test dataset is scored on, for image and video
models of one table."""
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

from rleseg.benchmark.identity import dataset_identity
from rleseg.engine import load_config

init_default_scope('mmseg')


def _test_dataset(config, demo_root, video, **dataset_options):
    key = 'test_dataloader.dataset.' + ('dataset.' if video else '')
    options = {f'{key}data_root': demo_root}
    options.update({f'test_dataloader.dataset.{k}': v for k, v in dataset_options.items()})
    cfg = load_config(f'configs/{config}.py', options)
    return DATASETS.build(cfg.test_dataloader.dataset)


def test_video_and_image_models_share_an_identity_on_the_same_frames(demo_root):
    image = dataset_identity(_test_dataset('unet_ipsc_tiny', demo_root, video=False))
    window = dataset_identity(_test_dataset('p2s_rle_ipsc_video_tiny', demo_root,
                                            video=True))
    pairs = dataset_identity(_test_dataset('p2s_rle_ipsc_video_n2_tiny', demo_root,
                                           video=True))
    # overlapping windows (stride 1) cover the same frames: still the same set
    overlapping = dataset_identity(_test_dataset('p2s_rle_ipsc_video_tiny', demo_root,
                                                 video=True, stride=1))
    assert image['label'] == window['label'] == 'ipsc_demo'
    assert image['items_sha1'] == window['items_sha1'] == pairs['items_sha1'] \
        == overlapping['items_sha1']
    assert image['num_items'] == window['num_items'] == 12  # 3 sequences x frames 0-3
    assert (image['frames_per_item'], window['frames_per_item'],
            pairs['frames_per_item']) == (1, 4, 2)
    assert (image['num_dataset_items'], window['num_dataset_items'],
            pairs['num_dataset_items'], overlapping['num_dataset_items']) == (12, 3, 6, 3)


def test_other_frames_give_another_identity(demo_root):
    test = dataset_identity(_test_dataset('unet_ipsc_tiny', demo_root, video=False))
    train = dataset_identity(_test_dataset('unet_ipsc_tiny', demo_root, video=False,
                                           ann_file='splits/train_late.txt'))
    assert train['label'] == test['label'] and train['items_sha1'] != test['items_sha1']
