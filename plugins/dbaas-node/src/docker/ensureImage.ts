import Docker from 'dockerode';
import { RuntimeFault, StepContext } from '../runtime';
import { isNotFound } from './errors';

/** Pulls `image` onto the Docker host unless it is there, failing typed with what to do. */
export async function ensureImage(
  docker: Docker,
  image: string,
  hostName: string,
  ctx: StepContext,
) {
  try {
    await docker.getImage(image).inspect();
    return;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  ctx.logger.info(`Pulling ${image} on Docker host ${hostName}`);
  try {
    const stream = await docker.pull(image);
    await new Promise((resolve, reject) =>
      docker.modem.followProgress(stream, (err: Error | null) =>
        err ? reject(err) : resolve(undefined),
      ),
    );
  } catch (error) {
    throw new RuntimeFault(
      'IMAGE_PULL',
      `Image ${image} is not on Docker host ${hostName} and could not be pulled (${
        (error as Error).message
      }); build it there with images/build.sh, or push it to a registry the host can reach`,
    );
  }
}
