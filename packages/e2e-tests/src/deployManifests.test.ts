import fs from 'fs';
import path from 'path';
import YAML from 'yaml';
import { repoRoot } from './portal';

const dir = path.join(repoRoot, 'deploy/backstage');
const docs = fs
  .readdirSync(dir)
  .filter(f => f.endsWith('.yaml'))
  .flatMap(f =>
    YAML.parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map(d =>
      d.toJS(),
    ),
  );
const find = (kind: string, name: string) =>
  docs.find(d => d.kind === kind && d.metadata.name === name);

describe('deploy/backstage', () => {
  const deployment = find('Deployment', 'dbaas-backstage');
  const container = deployment.spec.template.spec.containers[0];

  it('runs two replicas or more of the image the build script makes, non-root', () => {
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    const script = fs.readFileSync(
      path.join(repoRoot, 'scripts/build-backend-image.sh'),
      'utf8',
    );
    expect(script).toContain(`tag="\${1:-${container.image}}"`);
    expect(deployment.spec.template.spec.securityContext.runAsNonRoot).toBe(
      true,
    );
  });

  it("probes Backstage's health endpoints on the port the Service targets", () => {
    expect(container.readinessProbe.httpGet.path).toBe(
      '/.backstage/health/v1/readiness',
    );
    expect(container.livenessProbe.httpGet.path).toBe(
      '/.backstage/health/v1/liveness',
    );
    const port = container.ports.find((p: any) => p.name === 'http');
    expect(port.containerPort).toBe(7007);
    const service = find('Service', 'dbaas-backstage');
    expect(service.spec.ports[0].targetPort).toBe('http');
    expect(service.spec.selector).toEqual(
      deployment.spec.template.metadata.labels,
    );
  });

  it('gives every variable app-config.production.yaml reads, from the ConfigMap or the Secret', () => {
    const production = fs.readFileSync(
      path.join(repoRoot, 'app-config.production.yaml'),
      'utf8',
    );
    const wanted = [
      ...new Set([...production.matchAll(/\$\{([A-Z_]+)\}/g)].map(m => m[1])),
    ];
    const env = find('ConfigMap', 'dbaas-backstage-env').data;
    const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
    const secrets = [...readme.matchAll(/--from-literal=([A-Z_]+)=/g)].map(
      m => m[1],
    );
    const image = fs.readFileSync(
      path.join(repoRoot, 'packages/backend/Dockerfile'),
      'utf8',
    );
    const missing = wanted.filter(
      name =>
        !(name in env) &&
        !secrets.includes(name) &&
        !image.includes(`${name}=`),
    );
    expect(missing).toEqual([]);
    expect(container.envFrom).toEqual([
      { configMapRef: { name: 'dbaas-backstage-env' } },
      { secretRef: { name: 'dbaas-backstage-secrets' } },
    ]);
  });

  it('loads the site config it mounts, over the two files the image holds', () => {
    const args: string[] = container.args;
    const configs = args.filter((_, i) => args[i - 1] === '--config');
    expect(configs).toEqual([
      'app-config.yaml',
      'app-config.production.yaml',
      '/etc/backstage/app-config.site.yaml',
    ]);
    const site = find('ConfigMap', 'dbaas-backstage-config').data[
      'app-config.site.yaml'
    ];
    const mount = container.volumeMounts.find(
      (m: any) => m.name === 'site-config',
    );
    expect(mount.mountPath).toBe('/etc/backstage');
    expect(YAML.parse(site).dbaas.runtimes).toHaveProperty(
      find('ConfigMap', 'dbaas-backstage-env').data.DBAAS_DEFAULT_RUNTIME,
    );
  });
});
